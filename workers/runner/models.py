"""The models one worker process needs, and only those: an `ocr` worker never imports torch,
an `inpaint` worker never loads the OCR models."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from workers.config import Settings, TranslatorSettings
from workers.inpaint.base import Inpainter
from workers.ocr.engine import OcrEngine
from workers.pipeline.models import thread_budget
from workers.translators.base import Translator


class StageModels:
    def __init__(self, settings: Settings, stages: Collection[str]) -> None:
        self.settings = settings
        self.stages = frozenset(stages)
        self._ocr: OcrEngine | None = None
        self._inpainter: Inpainter | None = None
        self._translators: dict[TranslatorSettings, Translator] = {}

    def load(self) -> None:
        """Blocking: call from a worker thread."""
        threads = thread_budget(self.settings)
        if "ocr" in self.stages:
            import cv2

            cv2.setNumThreads(threads)
            self._ocr = OcrEngine(threads=threads,
                                  use_cuda=self.settings.device.startswith("cuda"))
            self._ocr.warm_up()
        if "inpaint" in self.stages:
            from workers.inpaint.select import load_inpainter

            self._inpainter = load_inpainter(self.settings)

    @property
    def ocr(self) -> OcrEngine:
        assert self._ocr is not None, "this worker does not run ocr"
        return self._ocr

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
