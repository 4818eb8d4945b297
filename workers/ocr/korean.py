"""The Korean recognizer a machine runs, by name (`--korean-ocr`):

- `onnx`: PaddleOCR's `korean_PP-OCRv5` mobile recognizer on ONNX Runtime (manifest entry
  `korean_ppocrv5_rec`, downloaded into the model cache on first use unless downloads are
  off);
- `tesseract`: Tesseract's `kor` model, in-process (needs the system's Korean language data);
- `auto` (default): the ONNX model when it is in the cache or can be downloaded, else
  Tesseract, else none (Korean pages are then read as noise, with one warning saying how to
  get either).

The choice is made on first use, not at start: the recognizer is consulted only for pages
that may be Korean (`workers.ocr.script`), so a Japanese-only user never waits for, nor
downloads, the Korean model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from workers.errors import MissingExtra, ModelMissing
from workers.models.download import resolve_weights
from workers.models.manifest import ModelEntry
from workers.ocr.base import Recognition, TextRecognizer
from workers.types import Image

log = logging.getLogger(__name__)

NAMES = ("auto", "onnx", "tesseract")
MODEL = "korean_ppocrv5_rec"
KOREAN = frozenset({"ko"})

# Why `auto` could not have the ONNX model, by model cache: a pipeline holds one recognizer
# per OCR engine, and the second should neither try the download again nor warn again.
_unavailable: dict[Path | None, str] = {}
_unavailable_lock = threading.Lock()


def load_onnx(cache_dir: Path | None, download: bool, threads: int = 0, device: str = "cpu",
              entry: ModelEntry | None = None) -> TextRecognizer:
    """The PP-OCRv5 Korean recognizer; ModelMissing when its file is not here and cannot be
    downloaded (or is not the published file). `entry` replaces the manifest's (tests)."""
    from workers.ocr.onnx_rec import OnnxLineRecognizer

    path = resolve_weights(MODEL, None, cache_dir, download, entry=entry)
    return OnnxLineRecognizer(path, "ppocr-korean", KOREAN, threads=threads, device=device)


def load_tesseract() -> TextRecognizer:
    from workers.ocr.tesseract import TesseractRecognizer

    return TesseractRecognizer()


class KoreanRecognizer:
    """The Korean recognizer chosen by name, loaded on its first call. `min_score` and
    `name` are those of what was loaded."""

    langs = KOREAN

    def __init__(self, choice: str = "auto", *, cache_dir: Path | None = None,
                 download: bool = True, threads: int = 0, device: str = "cpu",
                 entry: ModelEntry | None = None) -> None:
        if choice not in NAMES:
            raise ModelMissing(f"unknown Korean recognizer {choice!r} "
                               f"(known: {', '.join(NAMES)})")
        self.choice = choice
        self._onnx = (cache_dir, download, threads, device, entry)
        self._loaded: TextRecognizer | None = None
        self._failed: str = ""
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._loaded.name if self._loaded is not None else f"korean-{self.choice}"

    @property
    def min_score(self) -> float:
        return self._loaded.min_score if self._loaded is not None else 0.5

    @property
    def available(self) -> bool:
        """False once loading has failed: the page is then read without Korean."""
        return not self._failed

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        recognizer = self._get()
        if recognizer is None:
            return [Recognition("", 0.0) for _ in crops]
        return recognizer.recognize(crops)

    def batches(self, crops: Sequence[Image]) -> list[list[int]]:
        """How the loaded recognizer reads the crops in calls (`workers.ocr.crew`); all
        at once when it does not say."""
        plan = getattr(self._get(), "batches", None)
        if plan is None:
            return [list(range(len(crops)))]
        return cast(list[list[int]], plan(crops))

    def _get(self) -> TextRecognizer | None:
        with self._lock:
            if self._loaded is None and not self._failed:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> TextRecognizer | None:
        if self.choice == "onnx":
            return load_onnx(*self._onnx)
        if self.choice == "tesseract":
            return load_tesseract()
        cache_dir = self._onnx[0]
        with _unavailable_lock:
            known = _unavailable.get(cache_dir)
        first = known is None
        if first:
            try:
                return load_onnx(*self._onnx)
            except ModelMissing as exc:
                known = exc.message
                with _unavailable_lock:
                    _unavailable[cache_dir] = known
        try:
            recognizer = load_tesseract()
        except (ModelMissing, MissingExtra) as exc:
            self._failed = f"{known}; {exc.message}"
            if first:
                log.warning("no Korean recognizer: Korean pages are read as noise. %s",
                            self._failed)
            return None
        if first:
            log.warning("the Korean ONNX model is not available (%s); Korean pages are read "
                        "with Tesseract kor", known)
        return recognizer
