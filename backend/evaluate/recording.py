"""The pipeline's models, remembering what its OCR read from each input.

The evaluation's "before" reading is then the pipeline's own (no second OCR pass over the
input, and no chance of judging lines the pipeline never saw). The output pages are read with
a reader of the same kind, outside the recording.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from workers.config import MachineSettings
from workers.ocr.reader import PageReader
from workers.pipeline.models import Models
from workers.types import Image, PageText


def image_key(image: Image) -> bytes:
    digest = hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=16)
    digest.update(repr(image.shape).encode())
    return digest.digest()


class _RecordingReader:
    """Reads like the reader it wraps and files each reading under its image's key."""

    def __init__(self, reader: PageReader, models: RecordingModels) -> None:
        self._reader = reader
        self._models = models
        self.name = reader.name

    def read(self, image: Image, source: str = "auto") -> PageText:
        text = self._reader.read(image, source)
        self._models.remember(image, text)
        return text


class RecordingModels(Models):
    def __init__(self, machine: MachineSettings) -> None:
        super().__init__(machine)
        self._readings: dict[bytes, PageText] = {}
        self._lock = threading.Lock()

    @contextmanager
    def reader(self) -> Iterator[PageReader]:
        with super().reader() as found:
            # The stages only call `read` (and `name`); the wrapper offers those.
            yield _RecordingReader(found, self)  # type: ignore[misc]

    @contextmanager
    def plain_reader(self) -> Iterator[PageReader]:
        """A reader whose readings are not recorded: for reading the outputs."""
        with super().reader() as found:
            yield found

    def remember(self, image: Image, text: PageText) -> None:
        with self._lock:
            self._readings[image_key(image)] = text

    def take(self, image: Image) -> PageText | None:
        """What the pipeline read from this image (once), or None when it read nothing of
        it through these models."""
        with self._lock:
            return self._readings.pop(image_key(image), None)
