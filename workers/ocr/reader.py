"""The OCR stage: detect once, pick the recognizer for the page's language, read each line.

Tall strips are cut into overlapping tiles for the detector; the tiles' detections are merged
before recognition, so each line is recognised once, in one batch for the whole page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidocr.utils.process_img import get_rotate_crop_image

from workers.lang import detect_source_lang
from workers.ocr.base import Quad, TextDetector, TextRecognizer
from workers.ocr.tiling import DET_LIMIT, keep_in_tile, merge_lines, plan_tiles, shift_line
from workers.types import Image, PageText, TextLine

# Below this recognition score a "line" is usually texture read as glyphs.
MIN_SCORE = 0.5


class PageReader:
    """Reads a page's text lines. One call at a time per reader (its models are not
    shared between threads); a pipeline holds one reader per OCR engine."""

    def __init__(self, detector: TextDetector, recognizers: Sequence[TextRecognizer],
                 det_limit: int = DET_LIMIT) -> None:
        if not recognizers:
            raise ValueError("a page reader needs at least one recognizer")
        self.detector = detector
        self.recognizers = tuple(recognizers)
        self.det_limit = det_limit

    @property
    def name(self) -> str:
        return "+".join([self.detector.name, *(r.name for r in self.recognizers)])

    def warm_up(self) -> None:
        import cv2

        img = np.full((96, 320, 3), 255, np.uint8)
        cv2.putText(img, "warm up", (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
        self.read(img, "auto")

    def detect(self, image: Image) -> list[TextLine]:
        """Line boxes (no text yet) of the whole page, tall strips tiled."""
        height, width = image.shape[:2]
        boxes: list[TextLine] = []
        for tile in plan_tiles(width, height, self.det_limit):
            quads = self.detector.detect(image[tile.y0 : tile.y1])
            shifted = (shift_line(_line(q), tile.y0) for q in quads)
            boxes.extend(ln for ln in shifted if keep_in_tile(ln, tile))
        return merge_lines(boxes)

    def recognizer_for(self, lang: str) -> TextRecognizer:
        for recognizer in self.recognizers:
            if lang in recognizer.langs:
                return recognizer
        return self.recognizers[0]

    def read(self, image: Image, source: str = "auto") -> PageText:
        boxes = self.detect(image)
        if not boxes:
            return PageText([], "" if source == "auto" else source)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        crops = [np.ascontiguousarray(
            get_rotate_crop_image(bgr, np.array(b.polygon, np.float32))[:, :, ::-1])
            for b in boxes]
        recognizer = self.recognizer_for(source)
        lines = []
        for box, rec in zip(boxes, recognizer.recognize(crops), strict=True):
            if not rec.text or rec.score < MIN_SCORE or _is_noise(rec.text):
                continue
            lines.append(TextLine(box.polygon, rec.text, rec.score,
                                  _is_vertical(box.polygon, rec.text)))
        lang = detect_source_lang(ln.text for ln in lines) if source == "auto" else source
        return PageText(lines, lang if lines or source != "auto" else "")


def _line(quad: Quad) -> TextLine:
    return TextLine(tuple((float(x), float(y)) for x, y in quad), "", 1.0, False)


def _is_noise(text: str) -> bool:
    """A lone comma or dot read off screentone. (CJK ellipses and ！？ are real bubbles.)"""
    return all(ch.isascii() and not ch.isalnum() for ch in text)


def _is_vertical(poly: Sequence[tuple[float, float]], text: str) -> bool:
    """A column: much taller than wide with several glyphs (the recogniser rotated it)."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return len(text) >= 2 and h >= 1.5 * w
