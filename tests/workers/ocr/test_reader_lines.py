from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.ocr.base import Quad, Recognition
from workers.ocr.reader import PageReader, _settle_single_glyphs
from workers.types import TextLine


def _line(text: str, box: tuple[int, int, int, int], vertical: bool) -> TextLine:
    x0, y0, x1, y1 = box
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.9, vertical)


def test_a_lone_glyph_on_a_page_of_columns_is_a_column() -> None:
    lines = [_line("ちょっと…", (38, 960, 76, 1092), True),
             _line("そう…", (235, 770, 266, 846), True),
             _line("や", (64, 961, 101, 1013), False),  # taller than wide: a column
             _line("ん", (10, 10, 60, 40), False)]  # wider than tall: left alone
    settled = _settle_single_glyphs(lines)
    assert [ln.vertical for ln in settled] == [True, True, True, False]


def test_pages_of_rows_keep_their_lone_glyphs_as_they_are() -> None:
    lines = [_line("HELLO", (10, 10, 200, 40), False), _line("A", (10, 50, 30, 80), False)]
    assert _settle_single_glyphs(lines) == lines


class _SeesOnlyBigText:
    """A detector that finds one box, at (20, 10)-(60, 90) of the image it is given, only
    when the image is at least 200 px tall: lettering too small for it at 1x."""

    name = "fake"

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def detect(self, image: np.ndarray) -> list[Quad]:
        self.sizes.append(image.shape[:2])
        if image.shape[0] < 200:
            return []
        return [((20.0, 10.0), (60.0, 10.0), (60.0, 90.0), (20.0, 90.0))]


class _Reads:
    name = "fake"
    langs = frozenset({"zh"})
    min_score = 0.5

    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        return [Recognition("我真", 0.9) for _ in crops]


def test_a_small_image_with_nothing_read_is_read_at_twice_its_size() -> None:
    detector = _SeesOnlyBigText()
    reader = PageReader(detector, [_Reads()])
    text = reader.read(np.full((117, 110, 3), 255, np.uint8), "auto")
    assert detector.sizes == [(117, 110), (234, 220)]
    (line,) = text.lines
    assert line.bbox == (10, 5, 30, 45), "boxes come back in the image's own pixels"
    assert text.lang == "zh"


def test_a_large_image_is_not_read_twice() -> None:
    detector = _SeesOnlyBigText()
    PageReader(detector, [_Reads()]).read(np.full((150, 900, 3), 255, np.uint8), "auto")
    assert detector.sizes == [(150, 900)]
