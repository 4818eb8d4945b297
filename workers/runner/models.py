"""The models one worker process needs, and only those: an `ocr` worker never imports torch,
an `inpaint` worker never loads the OCR models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from pathlib import Path

from workers.config import Settings, TranslatorSettings
from workers.inpaint.base import Inpainter
from workers.ocr.engine import OcrEngine
from workers.pipeline.models import ocr_engine_count, thread_budget
from workers.translators.base import Translator


class StageModels:
    def __init__(self, settings: Settings, stages: Collection[str]) -> None:
        self.settings = settings
        self.stages = frozenset(stages)
        self._ocr: list[OcrEngine] = []
        self._idle_ocr: asyncio.Queue[OcrEngine] | None = None
        self._inpainter: Inpainter | None = None
        self._translators: dict[TranslatorSettings, Translator] = {}

    def load(self) -> None:
        """Blocking: call from a worker thread."""
        threads = thread_budget(self.settings)
        if "ocr" in self.stages:
            import cv2

            cv2.setNumThreads(threads)
            # As in the embedded pipeline: on CPU several single-threaded engines reading
            # pages side by side beat one engine with several threads.
            cuda = self.settings.device.startswith("cuda")
            for _ in range(ocr_engine_count(self.settings)):
                engine = OcrEngine(threads=threads if cuda else 1, use_cuda=cuda)
                engine.warm_up()
                self._ocr.append(engine)
        if "inpaint" in self.stages:
            from workers.inpaint.select import load_inpainter

            self._inpainter = load_inpainter(self.settings.with_(threads=threads))

    @property
    def ocr_engines(self) -> int:
        return len(self._ocr)

    @asynccontextmanager
    async def ocr(self) -> AsyncIterator[OcrEngine]:
        """An OCR engine no other page is using, for the time of one page."""
        assert self._ocr, "this worker does not run ocr"
        if self._idle_ocr is None:
            self._idle_ocr = asyncio.Queue()
            for engine in self._ocr:
                self._idle_ocr.put_nowait(engine)
        engine = await self._idle_ocr.get()
        try:
            yield engine
        finally:
            self._idle_ocr.put_nowait(engine)

    @property
    def inpainter(self) -> Inpainter:
        assert self._inpainter is not None, "this worker does not run inpaint"
        return self._inpainter

    @property
    def font(self) -> Path | None:
        return self.settings.font

    def translator(self, settings: Settings) -> Translator:
        found = self._translators.get(settings.translator)
        if found is None:
            from workers.translators.registry import create_translator

            cache = self.settings.cache_dir / "translations" if self.settings.cache_dir else None
            found = create_translator(settings.translator, cache_dir=cache)
            self._translators[settings.translator] = found
        return found

    async def aclose(self) -> None:
        for translator in self._translators.values():
            await translator.aclose()
        self._translators.clear()
