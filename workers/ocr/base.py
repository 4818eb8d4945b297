"""The OCR interfaces: a text detector finds line quadrilaterals, a text recognizer reads
cropped lines of one family of scripts.

Detection and recognition are separate so one detection serves every recognizer: a page is
detected once, then read by the recognizer for its script (PP-OCR's for Chinese, Japanese and
Latin, a Korean one for hangul). `workers.ocr.registry` names the implementations and imports
each only when chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workers.types import Image

# Four corners, clockwise from the top-left, in pixels of the image given to `detect`.
Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Recognition:
    """What a recognizer read on one line crop; `score` in [0, 1]."""

    text: str
    score: float


class TextDetector(Protocol):
    """Finds text lines. Thread-safe for one call at a time per instance."""

    name: str

    def detect(self, image: Image) -> list[Quad]:
        """Every text line's quadrilateral on an RGB image (no tiling: the caller tiles)."""


class TextRecognizer(Protocol):
    """Reads line crops (RGB, upright: vertical columns already rotated to read left to
    right). Thread-safe for one call at a time per instance."""

    # Languages it reads (ISO 639-1: "ja", "zh", "en", "ko", ...).
    langs: frozenset[str]

    @property
    def name(self) -> str:
        """Which model reads: part of what made a result (a loaded-on-first-use recognizer
        names what it loaded)."""

    @property
    def min_score(self) -> float:
        """Below this score a line it read is unsure: kept only on flat ground
        (`workers.ocr.keep`)."""

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        """One result per crop, in order; batched internally."""
