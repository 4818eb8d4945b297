"""The models a pipeline holds: loaded once, warmed at start, shared by every image."""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from workers.config import Settings, TranslatorSettings
from workers.inpaint.base import Inpainter
from workers.ocr.engine import OcrEngine
from workers.translators.base import Translator


def thread_budget(settings: Settings) -> int:
    """Threads per model stage. OCR, inpainting and rendering run at the same time, so each
    gets half the cores (at least one): more would oversubscribe and slow all three."""
    if settings.threads > 0:
        return settings.threads
    return max(1, (os.cpu_count() or 2) // 2)


class Models:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ocr: OcrEngine | None = None
        self._inpainter: Inpainter | None = None
        self._translators: dict[TranslatorSettings, Translator] = {}
        self.font: Path | None = settings.font

    def load(self) -> None:
        """Blocking: call from a worker thread. Loads and warms OCR and the inpainter."""
        threads = thread_budget(self.settings)
        cv2.setNumThreads(threads)
        self._ocr = OcrEngine(threads=threads, use_cuda=self.settings.device.startswith("cuda"))
        self._ocr.warm_up()
        from workers.inpaint.select import load_inpainter

        self._inpainter = load_inpainter(self.settings.with_(threads=threads))
        if self.settings.translator.name not in ("", "none"):
            from workers.render.fonts import find_font

            # Fails here, before any work, when no font covers the target script.
            find_font(self.settings.target, override=self.settings.font)

    @property
    def ocr(self) -> OcrEngine:
        assert self._ocr is not None, "Models.load() not called"
        return self._ocr

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
