"""The OCR stage: detect once, pick the recognizer for the page's language, read each line.

Tall strips are cut into overlapping tiles for the detector; the tiles' detections are merged
before recognition, so each line is recognised once, in one batch for the whole page. With
`--source auto` the recognizer is chosen per page before the page is read (Korean or the
others: `workers.ocr.script`), and the page's language is the one its recognizer reads.
Lines are kept by the score of the recognizer that read them (`workers.ocr.keep`): on a
Korean page a hangul line is never dropped for what the Chinese recognizer made of it, and an
unsure line is kept when it reads as kana or hangul. Rows of dots that no line holds (a
balloon with only "……" in it, which the detector does not see) become lines of their own
(`workers.ocr.dots`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np
from rapidocr.utils.process_img import get_rotate_crop_image

from workers.cores import CORES
from workers.lang import detect_source_lang
from workers.ocr.base import Quad, TextDetector, TextRecognizer
from workers.ocr.crew import current_order
from workers.ocr.dots import dot_lines
from workers.ocr.keep import keep_line
from workers.ocr.script import read_page
from workers.ocr.tiling import DET_LIMIT, keep_in_tile, merge_lines, plan_tiles, shift_line
from workers.types import Image, PageText, TextLine, u8

if TYPE_CHECKING:
    from workers.ocr.crew import Turn

log = logging.getLogger(__name__)

# Images up to this size (long side, px) are read again at 2x when nothing is read.
SMALL_IMAGE = 512


class PageReader:
    """Reads a page's text lines. One call at a time per reader (its models are not
    shared between threads); a pipeline holds one reader per OCR engine. While a crew has
    lent it to a page (`workers.ocr.crew`), `sharing` lets the crew's other readers read
    some of the page's lines, and lets this one help earlier pages."""

    def __init__(self, detector: TextDetector, recognizers: Sequence[TextRecognizer],
                 det_limit: int = DET_LIMIT) -> None:
        if not recognizers:
            raise ValueError("a page reader needs at least one recognizer")
        self.detector = detector
        self.recognizers = tuple(recognizers)
        self.det_limit = det_limit
        # The recognizer for Chinese, Japanese and Latin scripts, and the Korean one.
        self.main = next((r for r in self.recognizers if "ko" not in r.langs),
                         self.recognizers[0])
        self.korean = next((r for r in self.recognizers if "ko" in r.langs), None)
        self._warned = False
        self.sharing: Turn | None = None

    @property
    def name(self) -> str:
        return "+".join([self.detector.name, *(r.name for r in self.recognizers)])

    def warm_up(self) -> None:
        """Reads a blank page of the detector's full size: ONNX Runtime grows its memory
        arena on the first call at each larger size, and that first page's detection took
        0.47 s against 0.31 s after a full-size one (a 1080x770 manga page, one thread)."""
        side = self.det_limit
        img = np.full((side, side, 3), 255, np.uint8)
        cv2.putText(img, "warm up", (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
        self.read(img, "auto")

    def detect(self, image: Image) -> list[TextLine]:
        """Line boxes (no text yet) of the whole page, tall strips tiled."""
        height, width = image.shape[:2]
        per_tile: list[list[TextLine]] = []
        for tile in plan_tiles(width, height, self.det_limit):
            with CORES.held(current_order()):
                quads = self.detector.detect(image[tile.y0 : tile.y1])
            shifted = (shift_line(_line(q), tile.y0) for q in quads)
            per_tile.append([ln for ln in shifted if keep_in_tile(ln, tile)])
        return merge_lines(per_tile)

    def read(self, image: Image, source: str = "auto") -> PageText:
        """The page's lines and language. A small image of which nothing is read is read
        again at twice its size: on a cropped bubble with 20 px lettering and no room around
        it, the detector takes three columns for one box, or none."""
        text = self._read(image, source)
        height, width = image.shape[:2]
        if text.lines or max(height, width) > SMALL_IMAGE:
            return text
        bigger = u8(cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
        found = self._read(bigger, source)
        return PageText([TextLine(tuple((x / 2, y / 2) for x, y in ln.polygon), ln.text,
                                  ln.score, ln.vertical) for ln in found.lines], found.lang)

    def _read(self, image: Image, source: str) -> PageText:
        turn = self.sharing
        if turn is not None:
            turn.help()
        boxes = self.detect(image)
        if not boxes:
            return PageText(dot_lines(image, []), "" if source == "auto" else source)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        crops = [np.ascontiguousarray(
            get_rotate_crop_image(bgr, np.array(b.polygon, np.float32))[:, :, ::-1])
            for b in boxes]
        if source == "ko" and self.korean is None and not self._warned:
            self._warned = True
            log.warning("no Korean recognizer on this machine: Korean pages are read as noise")
        main, korean = self.main, self.korean
        if turn is not None:
            # The crew's units take their cores one model call at a time.
            reading = read_page(crops, [b.bbox for b in boxes], turn.shared(main),
                                turn.shared(korean) if korean is not None else None, source)
        else:
            with CORES.held(current_order()):
                reading = read_page(crops, [b.bbox for b in boxes], main, korean, source)
        floor = reading.recognizer.min_score
        lines = _settle_single_glyphs(
            [TextLine(box.polygon, rec.text, rec.score, _is_vertical(box.polygon, rec.text))
             for box, rec in zip(boxes, reading.recognitions, strict=True)
             if keep_line(rec.text, rec.score, floor)])
        lines += dot_lines(image, lines)
        if reading.korean:
            lang = "ko"
        else:
            lang = detect_source_lang(ln.text for ln in lines) if source == "auto" else source
        return PageText(lines, lang if lines or source != "auto" else "")


def _line(quad: Quad) -> TextLine:
    return TextLine(tuple((float(x), float(y)) for x, y in quad), "", 1.0, False)


def _settle_single_glyphs(lines: list[TextLine]) -> list[TextLine]:
    """A line of one glyph has no direction of its own ("や" split off the top of a
    column): on a page set mostly in columns, one whose box is at least as tall as wide is
    a column too, so the page's reading order puts it where it belongs."""
    longer = [ln for ln in lines if len(ln.text) >= 2]
    if not longer or 2 * sum(ln.vertical for ln in longer) <= len(longer):
        return lines
    def settled(ln: TextLine) -> TextLine:
        x0, y0, x1, y1 = ln.bbox
        if len(ln.text) == 1 and not ln.vertical and y1 - y0 >= x1 - x0:
            return TextLine(ln.polygon, ln.text, ln.score, True)
        return ln

    return [settled(ln) for ln in lines]


def _is_vertical(poly: Sequence[tuple[float, float]], text: str) -> bool:
    """A column: much taller than wide with several glyphs (the recogniser rotated it)."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return len(text) >= 2 and h >= 1.5 * w
