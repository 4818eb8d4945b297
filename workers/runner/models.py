"""The models one worker process needs, and only those: an `ocr` worker never imports torch,
an `inpaint` worker never loads the OCR models. Loading is `Models.load` for the worker's
stages; this adds what a worker's concurrent pages need (an idle-engine queue)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from pathlib import Path

from workers.config import Settings
from workers.inpaint.base import Inpainter
from workers.ocr.engine import OcrEngine
from workers.pipeline.models import Models
from workers.translators.base import Translator


class StageModels:
    def __init__(self, settings: Settings, stages: Collection[str]) -> None:
        self.settings = settings
        self.stages = frozenset(stages)
        self._models = Models(settings)
        self._idle_ocr: asyncio.Queue[OcrEngine] | None = None

    def load(self) -> None:
        """Blocking: call from a worker thread."""
        self._models.load(self.stages)

    @property
    def ocr_engines(self) -> int:
        return len(self._models.ocr_engines) if "ocr" in self.stages else 0

    @asynccontextmanager
    async def ocr(self) -> AsyncIterator[OcrEngine]:
        """An OCR engine no other page is using, for the time of one page."""
        if self._idle_ocr is None:
            self._idle_ocr = asyncio.Queue()
            for engine in self._models.ocr_engines:
                self._idle_ocr.put_nowait(engine)
        engine = await self._idle_ocr.get()
        try:
            yield engine
        finally:
            self._idle_ocr.put_nowait(engine)

    @property
    def inpainter(self) -> Inpainter:
        return self._models.inpainter

    @property
    def font(self) -> Path | None:
        return self.settings.font

    def translator(self, settings: Settings) -> Translator:
        return self._models.translator(settings)

    async def aclose(self) -> None:
        await self._models.aclose()
