"""The comic text and bubble detector: RT-DETR-v2 (ogkalu/comic-text-and-bubble-detector,
Apache-2.0, its int8 ONNX export `detector-v4-s_int8.onnx`, about 11 MB) on ONNX Runtime.

Inputs: `images` float32 (N, 3, 640, 640), RGB scaled to [0, 1], the page stretched to
640x640 (trained on resized, not cropped, pages); `orig_target_sizes` int64 (N, 2) holding
each page's (width, height). Outputs: `labels` int64 (N, 300), `boxes` float32 (N, 300, 4)
as x0, y0, x1, y1 in page pixels, `scores` float32 (N, 300). Labels: 0 a bubble, 1 text in
a bubble, 2 text outside bubbles.

Tall webtoon strips are cut into overlapping square-ish slices first, as the model was
trained on split strips.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from workers.errors import ModelMissing
from workers.models.onnx import open_session
from workers.types import Box, Image

INPUT_SIDE = 640
LABELS: tuple[Literal["bubble", "text_bubble", "text_free"], ...] = (
    "bubble", "text_bubble", "text_free")
# Detections under this score are dropped (the published apps use 0.3).
MIN_SCORE = 0.35
# A slice is at most this many times taller than wide; neighbours overlap by a tenth.
MAX_ASPECT = 1.6
OVERLAP = 0.1

Label = Literal["bubble", "text_bubble", "text_free"]


@dataclass(frozen=True, slots=True)
class Detection:
    label: Label
    box: Box
    score: float


def _slices(height: int, width: int) -> list[tuple[int, int]]:
    """(top, bottom) rows of the slices a page is cut into."""
    tall = round(MAX_ASPECT * width)
    if height <= tall:
        return [(0, height)]
    step = max(1, round(tall * (1 - OVERLAP)))
    tops = [*range(0, height - tall, step), height - tall]
    return [(t, t + tall) for t in tops]


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def dedupe(found: list[Detection], threshold: float = 0.6) -> list[Detection]:
    """One detection per object where overlapping slices found it twice (best score kept)."""
    kept: list[Detection] = []
    for det in sorted(found, key=lambda d: -d.score):
        if all(k.label != det.label or _iou(k.box, det.box) < threshold for k in kept):
            kept.append(det)
    return kept


class ComicDetector:
    """Runs the detector on pages. Calls are serialised per instance."""

    def __init__(self, path: Path, threads: int = 0, device: str = "cpu") -> None:
        self._session = open_session(path, threads, device)
        self._image_input, self._size_input = self._inputs()
        self._lock = threading.Lock()

    def _inputs(self) -> tuple[str, str]:
        image = size = ""
        for item in self._session.get_inputs():
            if len(item.shape) == 4:
                image = item.name
            elif len(item.shape) == 2:
                size = item.name
        if not image or not size:
            raise ModelMissing("the detector model does not take (images, orig_target_sizes)")
        return image, size

    def detect(self, image: Image) -> list[Detection]:
        """Every bubble and text box on the page, in page pixels."""
        height, width = image.shape[:2]
        found: list[Detection] = []
        for top, bottom in _slices(height, width):
            for det in self._run(image[top:bottom]):
                x0, y0, x1, y1 = det.box
                found.append(Detection(det.label, (x0, y0 + top, x1, y1 + top), det.score))
        return dedupe(found)

    def _run(self, image: Image) -> list[Detection]:
        height, width = image.shape[:2]
        resized = cv2.resize(image, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_LINEAR)
        batch = (resized.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        sizes = np.array([[width, height]], np.int64)
        with self._lock:
            outputs = self._session.run(None, {self._image_input: batch, self._size_input: sizes})
        labels, boxes, scores = _outputs(self._session.get_outputs(), outputs)
        out: list[Detection] = []
        for label, box, score in zip(labels[0], boxes[0], scores[0], strict=True):
            if score < MIN_SCORE or not 0 <= int(label) < len(LABELS):
                continue
            x0, y0, x1, y1 = (float(v) for v in box)
            clipped = (max(0, round(x0)), max(0, round(y0)), min(width, round(x1)),
                       min(height, round(y1)))
            if clipped[2] > clipped[0] and clipped[3] > clipped[1]:
                out.append(Detection(LABELS[int(label)], clipped, float(score)))
        return out


def _outputs(meta: list[Any], values: list[Any]) -> tuple[npt.NDArray[np.int64],
                                                         npt.NDArray[np.float32],
                                                         npt.NDArray[np.float32]]:
    """(labels, boxes, scores) by name, or by shape and type where the names differ."""
    named = {m.name: np.asarray(v) for m, v in zip(meta, values, strict=True)}
    if {"labels", "boxes", "scores"} <= named.keys():
        return named["labels"], named["boxes"], named["scores"]
    arrays = [np.asarray(v) for v in values]
    boxes = [a for a in arrays if a.ndim == 3 and a.shape[-1] == 4]
    ints = [a for a in arrays if a.ndim == 2 and np.issubdtype(a.dtype, np.integer)]
    floats = [a for a in arrays if a.ndim == 2 and np.issubdtype(a.dtype, np.floating)]
    if len(boxes) != 1 or len(ints) != 1 or len(floats) != 1:
        raise ModelMissing("the detector model does not answer (labels, boxes, scores)")
    return ints[0], boxes[0], floats[0]
