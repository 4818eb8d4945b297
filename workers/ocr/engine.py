"""The OCR stage: RapidOCR (PaddleOCR's PP-OCR models) on ONNX Runtime.

The PP-OCRv6 small detection and recognition models ship inside the `rapidocr` wheel, so OCR
works offline. The angle classifier is off: comic text is never upside down, and it costs a
model call per line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from rapidocr import RapidOCR
from rapidocr.utils.process_img import get_rotate_crop_image

from workers.ocr.tiling import DET_LIMIT, keep_in_tile, merge_lines, plan_tiles, shift_line
from workers.types import Image, TextLine

log = logging.getLogger(__name__)

# The detector's smallest side after its resize (it works on multiples of 32).
DET_MIN_SIDE = 32
# Below this recognition score a "line" is usually texture read as glyphs.
MIN_SCORE = 0.5


class OcrEngine:
    """Reads text lines from an RGB image. Thread-safe: one call at a time per engine."""

    def __init__(self, threads: int = 0, use_cuda: bool = False,
                 det_limit: int = DET_LIMIT) -> None:
        self.det_limit = det_limit
        params: dict[str, Any] = {
            # RapidOCR warns on every tile without text; an empty tile is normal for us.
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.text_score": MIN_SCORE,
            "Global.max_side_len": 2400,
            "Det.limit_side_len": det_limit,
            "Det.limit_type": "max",
            "Rec.rec_batch_num": 16,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads if threads > 0 else -1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": use_cuda,
        }
        # Typed loosely: RapidOCR's call returns a union of output kinds; ours is always full.
        self._engine: Any = RapidOCR(params=params)
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        img = np.full((96, 320, 3), 255, np.uint8)
        cv2.putText(img, "warm up", (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
        self.read(img)

    def read(self, image: Image) -> list[TextLine]:
        """All text lines of the page, tall strips tiled, in top-to-bottom order.

        Detection runs per tile; the boxes are merged first and each line is recognised
        once, in one batch for the whole page, so the tiles' overlap costs no recognition."""
        height, width = image.shape[:2]
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        boxes: list[TextLine] = []
        for tile in plan_tiles(width, height, self.det_limit):
            shifted = (shift_line(ln, tile.y0) for ln in self._detect(bgr[tile.y0 : tile.y1]))
            boxes.extend(ln for ln in shifted if keep_in_tile(ln, tile))
        boxes = merge_lines(boxes)
        if not boxes:
            return []
        crops = [get_rotate_crop_image(bgr, np.array(b.polygon, np.float32)) for b in boxes]
        with self._lock:
            rec = self._engine.recognize_txt(crops)
        lines = []
        for box, raw, score in zip(boxes, rec.txts, rec.scores, strict=True):
            text = str(raw).strip()
            if not text or float(score) < MIN_SCORE or _is_noise(text):
                continue
            lines.append(TextLine(box.polygon, text, float(score), _is_vertical(box.polygon,
                                                                                  text)))
        return lines

    def _detect(self, bgr: np.ndarray) -> list[TextLine]:
        # The detector scales the long side to det_limit and needs 32 rows and columns after
        # that; a very wide, short banner would shrink to none. Pad it (with its own edge
        # colour) until it does not. Wide images are not tiled sideways: their text at this
        # scale may be too small to find, but the page never fails for it.
        height, width = bgr.shape[:2]
        scale = min(1.0, self.det_limit / max(height, width))
        short = min(height, width)
        if short * scale < DET_MIN_SIDE:
            need = int(DET_MIN_SIDE / scale) + 1 - short
            bottom, right = (need, 0) if height < width else (0, need)
            bgr = cv2.copyMakeBorder(bgr, 0, bottom, 0, right, cv2.BORDER_REPLICATE)
        with self._lock:
            out = self._engine(bgr, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        return [TextLine(tuple((float(x), float(y)) for x, y in np.asarray(box).tolist()),
                         "", 1.0, False) for box in boxes]


def _is_noise(text: str) -> bool:
    """A lone comma or dot read off screentone. (CJK ellipses and ！？ are real bubbles.)"""
    return all(ch.isascii() and not ch.isalnum() for ch in text)


def _is_vertical(poly: Sequence[tuple[float, float]], text: str) -> bool:
    """A column: much taller than wide with several glyphs (the recogniser rotated it)."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return len(text) >= 2 and h >= 1.5 * w
