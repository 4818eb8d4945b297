"""A PaddleOCR line recognizer (CTC head) exported to ONNX, run on ONNX Runtime: how
PaddleOCR's `korean_PP-OCRv5` mobile recognizer is read.

The model takes BGR lines resized to 48 px high, scaled to [-1, 1], right-padded with zeros
to a common width: `x` of shape (N, 3, 48, W); it answers per-step class probabilities of
shape (N, W / 8, C). Class 0 is the CTC blank, 1..C-2 the characters listed one per line
under the `character` key of the model's metadata, and C-1 a space. Decoding keeps the most
likely class per step, drops repeats and blanks; the score is the mean probability of the
kept steps.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from workers.errors import ModelMissing
from workers.models.onnx import open_session
from workers.ocr.base import Recognition
from workers.ocr.linecrop import isolate_line
from workers.types import Image

INPUT_HEIGHT = 48
# The narrowest batch (PaddleOCR's 320 px at 48 px high); wider lines widen their batch.
MIN_WIDTH = 320
# Lines are batched by aspect ratio, so one long line does not pad many short ones.
BATCH = 16
# Ground added around a cleaned line, as a share of its height.
MARGIN = 0.1


def charset(metadata: dict[str, str]) -> list[str]:
    """The model's classes: blank, the characters of its metadata, space."""
    chars = metadata.get("character", "").splitlines()
    if not chars:
        raise ModelMissing("the recognition model has no `character` list in its metadata")
    return ["", *chars, " "]


def ctc_decode(probs: npt.NDArray[np.float32], classes: Sequence[str]) -> Recognition:
    """Greedy CTC over one line's (steps, classes) probabilities."""
    best = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    keep = np.ones(len(best), bool)
    keep[1:] = best[1:] != best[:-1]
    keep &= best != 0
    if not keep.any():
        return Recognition("", 0.0)
    text = "".join(classes[int(i)] for i in best[keep])
    return Recognition(text.strip(), float(conf[keep].mean()))


def normalise(line_bgr: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.float32]:
    """One line as the model's (3, 48, width) input."""
    height, w = line_bgr.shape[:2]
    target = min(width, max(1, math.ceil(INPUT_HEIGHT * w / max(height, 1))))
    resized = cv2.resize(line_bgr, (target, INPUT_HEIGHT), interpolation=cv2.INTER_LINEAR)
    chw = resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
    out = np.zeros((3, INPUT_HEIGHT, width), np.float32)
    out[:, :, :target] = chw
    return out


class OnnxLineRecognizer:
    """Reads lines with one PaddleOCR CTC recognizer. Calls are serialised per instance."""

    min_score = 0.5

    def __init__(self, path: Path, name: str, langs: frozenset[str], threads: int = 0,
                 device: str = "cpu") -> None:
        self.name = name
        self.langs = langs
        self._session = open_session(path, threads, device)
        meta = self._session.get_modelmeta().custom_metadata_map
        self.classes = charset(dict(meta))
        self._input = self._session.get_inputs()[0].name
        self._lock = threading.Lock()

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        # A thin frame only: the model was trained on detector crops, margins included.
        lines = [np.ascontiguousarray(np.repeat(isolate_line(c, margin=MARGIN)[:, :, None], 3,
                                                axis=2))
                 if c.size else np.full((2, 2, 3), 255, np.uint8) for c in crops]
        ratios = [ln.shape[1] / max(ln.shape[0], 1) for ln in lines]
        order = np.argsort(ratios)
        out: list[Recognition] = [Recognition("", 0.0)] * len(lines)
        with self._lock:
            for start in range(0, len(order), BATCH):
                chunk = [int(i) for i in order[start : start + BATCH]]
                width = max(MIN_WIDTH, *(math.ceil(INPUT_HEIGHT * ratios[i]) for i in chunk))
                batch = np.stack([normalise(lines[i], width) for i in chunk])
                probs = self._session.run(None, {self._input: batch})[0]
                if probs.ndim != 3 or probs.shape[2] != len(self.classes):
                    raise ModelMissing(f"the recognition model answers shape {probs.shape}, "
                                       f"not (N, steps, {len(self.classes)})")
                for row, i in enumerate(chunk):
                    out[i] = ctc_decode(probs[row], self.classes)
        return out
