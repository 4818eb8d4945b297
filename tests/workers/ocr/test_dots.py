from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from workers.ocr.base import Quad, Recognition
from workers.ocr.dots import dot_lines, find_dot_rows
from workers.ocr.reader import PageReader
from workers.types import Image, TextLine


def _balloon(size: tuple[int, int] = (300, 300)) -> Image:
    """A white page with an outlined oval balloon in its middle."""
    height, width = size
    page = np.full((height, width, 3), 255, np.uint8)
    cv2.ellipse(page, (width // 2, height // 2), (60, 90), 0, 0, 360, (0, 0, 0), 3)
    return page


def _dots(page: Image, start: tuple[int, int], count: int, step: int, vertical: bool,
          radius: int = 2) -> None:
    x, y = start
    for i in range(count):
        at = (x, y + i * step) if vertical else (x + i * step, y)
        cv2.circle(page, at, radius, (0, 0, 0), -1)


def test_a_balloon_holding_only_dots_gets_a_line_over_them() -> None:
    page = _balloon()
    _dots(page, (150, 110), 6, 7, vertical=True)
    lines = dot_lines(page, [])
    assert len(lines) == 1
    line = lines[0]
    assert line.text == "……" and line.vertical
    x0, y0, x1, y1 = line.bbox
    # Every dot is inside the line, which is one glyph (three steps) thick.
    assert x0 <= 148 and x1 >= 152 and y0 <= 108 and y1 >= 147
    assert 18 <= x1 - x0 <= 24
    # The line stays inside the balloon: the outline is at x = 90 and 210.
    assert x0 > 100 and x1 < 200


def test_a_row_of_three_dots_reads_as_one_ellipsis() -> None:
    page = _balloon()
    _dots(page, (135, 150), 3, 10, vertical=False, radius=3)
    lines = dot_lines(page, [])
    assert [(ln.text, ln.vertical) for ln in lines] == [("…", False)]


def test_dots_inside_a_read_line_are_left_to_it() -> None:
    page = _balloon()
    _dots(page, (150, 110), 6, 7, vertical=True)
    read = TextLine(((140, 60), (160, 60), (160, 160), (140, 160)), "そう……", 0.9, True)
    assert dot_lines(page, [read]) == []


def test_screentone_and_dotted_lines_are_not_ellipses() -> None:
    page = np.full((300, 300, 3), 255, np.uint8)
    # A patch of light screentone: dots on a grid, with neighbours across every row.
    for y in range(20, 140, 12):
        for x in range(20, 140, 12):
            cv2.circle(page, (x, y), 2, (0, 0, 0), -1)
    # A dotted line in the art, far longer than any ellipsis.
    _dots(page, (160, 20), 30, 8, vertical=True)
    assert find_dot_rows(page) == []


def test_dots_beside_a_stroke_are_not_an_ellipsis() -> None:
    page = _balloon()
    _dots(page, (150, 110), 3, 7, vertical=True)
    cv2.line(page, (157, 112), (157, 132), (0, 0, 0), 1)
    assert dot_lines(page, []) == []


class _SeesNothing:
    name = "fake"

    def detect(self, image: np.ndarray) -> list[Quad]:
        return []


class _ReadsNothing:
    name = "fake"
    langs = frozenset({"ja"})
    min_score = 0.5

    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        raise AssertionError("no line to read")


def test_the_reader_returns_a_dot_balloon_the_detector_missed() -> None:
    page = _balloon((700, 700))
    _dots(page, (350, 320), 6, 8, vertical=True)
    text = PageReader(_SeesNothing(), [_ReadsNothing()]).read(page, "auto")
    assert [ln.text for ln in text.lines] == ["……"]


def test_a_black_page_and_a_white_page_have_no_rows() -> None:
    assert find_dot_rows(np.zeros((50, 60, 3), np.uint8)) == []
    assert find_dot_rows(np.full((50, 60, 3), 255, np.uint8)) == []
