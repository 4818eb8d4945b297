"""A mask on the art that misses the letters: the share of each line's length it spans,
and the block kept as drawn when it misses the lines holding most of the block."""

from __future__ import annotations

import numpy as np

from workers.process.glyphs import Glyphs, spread
from workers.process.layout import MIN_SPREAD, _letters_found
from workers.types import TextLine


def _line(x0: int, y0: int, x1: int, y1: int, vertical: bool = False) -> TextLine:
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), "ab", 0.9, vertical)


def _glyphs(*spans: tuple[int, int, int, int]) -> Glyphs:
    """A mask over the page box (5, 5, 205, 105), true over each span (page pixels)."""
    mask = np.zeros((100, 200), bool)
    for x0, y0, x1, y1 in spans:
        mask[y0 - 5: y1 - 5, x0 - 5: x1 - 5] = True
    return Glyphs((5, 5, 205, 105), mask, int(mask.sum()))


def test_spread_is_the_share_of_the_lines_length_the_mask_spans() -> None:
    line = _line(20, 20, 120, 40)
    # Letters from one end to the other, with gaps between them: the whole length.
    letters = _glyphs(*[(22 + 20 * i, 24, 34 + 20 * i, 36) for i in range(5)])
    assert spread(letters, line) > 0.9
    # A piece of the art over the first fifth of the box (a brim beside an emblem).
    assert abs(spread(_glyphs((20, 20, 40, 40)), line) - 0.2) < 0.01
    # Ink outside the box does not count.
    assert spread(_glyphs((130, 20, 200, 40)), line) == 0.0
    # A column is measured down its height, not across.
    column = _line(60, 10, 80, 100, vertical=True)
    assert spread(_glyphs((60, 10, 80, 30)), column) < MIN_SPREAD
    assert spread(_glyphs((62, 12, 78, 96)), column) > 0.9


def test_a_block_whose_mask_misses_its_main_line_is_not_erased() -> None:
    title = _line(20, 10, 200, 60)
    caption = _line(20, 70, 80, 90)
    # The mask runs along the caption only; the title, most of the block, is missed.
    assert not _letters_found(_glyphs((20, 70, 80, 90)), [title, caption])
    # One letter of two found (the second runs into the art beside it): erasing it alone
    # would leave the other standing on the art.
    pair = _line(20, 20, 100, 60)
    assert not _letters_found(_glyphs((22, 22, 58, 58)), [pair])
    assert _letters_found(_glyphs((22, 22, 58, 58), (62, 22, 98, 58)), [pair])
    # Found along the title, missed on the small caption: the letters are found.
    assert _letters_found(_glyphs((22, 12, 196, 58)), [title, caption])
