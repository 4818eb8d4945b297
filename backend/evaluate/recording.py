"""The pipeline's models, remembering what its OCR read from each input.

The evaluation's "before" reading is then the pipeline's own (no second OCR pass over the
input, and no chance of judging lines the pipeline never saw). The output pages are read with
the same engine, outside the recording.
"""

from __future__ import annotations

import hashlib
import threading
from typing import cast

import numpy as np

from workers.config import Settings
from workers.ocr.engine import OcrEngine
from workers.pipeline.models import Models
from workers.types import Image, TextLine


def image_key(image: Image) -> bytes:
    digest = hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=16)
    digest.update(repr(image.shape).encode())
    return digest.digest()


class _RecordingReader:
    """Reads like the engine it wraps and files each reading under its image's key."""

    def __init__(self, engine: OcrEngine, models: RecordingModels) -> None:
        self._engine = engine
        self._models = models

    def warm_up(self) -> None:
        self._engine.warm_up()

    def read(self, image: Image) -> list[TextLine]:
        lines = self._engine.read(image)
        self._models.remember(image, lines)
        return lines


class RecordingModels(Models):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._readings: dict[bytes, list[TextLine]] = {}
        self._lock = threading.Lock()

    @property
    def engine(self) -> OcrEngine:
        """The OCR engine itself, for reading the outputs."""
        return super().ocr

    @property
    def ocr(self) -> OcrEngine:
        # The stages only call `read`; the wrapper offers that and `warm_up`.
        return cast(OcrEngine, _RecordingReader(super().ocr, self))

    @property
    def ocr_engines(self) -> list[OcrEngine]:
        return [cast(OcrEngine, _RecordingReader(e, self)) for e in super().ocr_engines]

    def remember(self, image: Image, lines: list[TextLine]) -> None:
        with self._lock:
            self._readings[image_key(image)] = lines

    def take(self, image: Image) -> list[TextLine] | None:
        """What the pipeline read from this image (once), or None when it read nothing of
        it through these models."""
        with self._lock:
            return self._readings.pop(image_key(image), None)
