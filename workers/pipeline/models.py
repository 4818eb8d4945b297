"""The models a pipeline holds: loaded once, warmed at start, shared by every image."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import cv2

from workers.config import Settings, TranslatorSettings
from workers.inpaint.base import Inpainter
from workers.ocr.engine import OcrEngine
from workers.translators.base import Translator

ALL_STAGES = frozenset({"ocr", "process", "translate", "preprocess", "inpaint", "render"})


def ocr_engine_count(settings: Settings) -> int:
    """OCR engines working side by side. On CPU one per core, each single-threaded: two
    pages read at once beat one page read with two threads (ONNX Runtime scales poorly over
    threads on these small models). On a GPU one engine keeps the card busy."""
    if settings.ocr_engines > 0:
        return settings.ocr_engines
    if settings.device.startswith("cuda"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def thread_budget(settings: Settings) -> int:
    """Threads per model stage. OCR, inpainting and rendering run at the same time, so each
    gets half the cores (at least one): more would oversubscribe and slow all three."""
    if settings.threads > 0:
        return settings.threads
    return max(1, (os.cpu_count() or 2) // 2)


class Models:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ocr: list[OcrEngine] = []
        self._inpainter: Inpainter | None = None
        self._translators: dict[TranslatorSettings, Translator] = {}
        self.font: Path | None = settings.font

    def load(self, stages: Collection[str] = ALL_STAGES) -> None:
        """Blocking: call from a worker thread. Loads and warms what `stages` need (a Redis
        worker runs a few stages: an `ocr` worker never imports torch)."""
        threads = thread_budget(self.settings)
        cv2.setNumThreads(threads)
        if "ocr" in stages:
            cuda = self.settings.device.startswith("cuda")
            for _ in range(ocr_engine_count(self.settings)):
                engine = OcrEngine(threads=1 if not cuda else threads, use_cuda=cuda)
                engine.warm_up()
                self._ocr.append(engine)
        if "inpaint" in stages:
            from workers.inpaint.select import load_inpainter

            self._inpainter = load_inpainter(self.settings.with_(threads=threads))
        if "render" in stages and self.settings.translator.name not in ("", "none"):
            from workers.render.fonts import find_font

            # Fails here, before any work, when no font covers the target script.
            find_font(self.settings.target, override=self.settings.font)

    @property
    def ocr(self) -> OcrEngine:
        assert self._ocr, "Models.load() not called"
        return self._ocr[0]

    @property
    def ocr_engines(self) -> list[OcrEngine]:
        assert self._ocr, "Models.load() not called"
        return list(self._ocr)

    @property
    def inpainter(self) -> Inpainter:
        assert self._inpainter is not None, "Models.load() not called"
        return self._inpainter

    def translator(self, settings: Settings) -> Translator:
        key = settings.translator
        found = self._translators.get(key)
        if found is None:
            from workers.translators.registry import create_translator

            cache = settings.cache_dir / "translations" if settings.cache_dir else None
            found = create_translator(key, cache_dir=cache)
            self._translators[key] = found
        return found

    async def aclose(self) -> None:
        for translator in self._translators.values():
            await translator.aclose()
        self._translators.clear()
