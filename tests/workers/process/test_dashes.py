"""A dash the lettering runs into ("HMM——", "柱——", one shape where they touch) is erased
with the letter; a stroke running across the reading direction is not taken for one."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from tests.workers.process.pages import Bool, Page, blank, ellipse, text
from workers.inpaint.fills import apply_fills
from workers.process.layout import analyse_page
from workers.types import Box, PageText


def _bubble_with(stroke: Callable[[np.ndarray, Box], object]) -> tuple[Page, Bool]:
    """A bubble with two lines, and a stroke drawn from the last letter's right stem."""
    page = blank(300, 460)
    ellipse(page, (230, 150), (210, 120))
    text(page, "WELL THEN", (120, 130), scale=1.2, thickness=3)
    line = text(page, "HMM", (160, 175), scale=1.2, thickness=3)
    drawn = np.zeros(page.image.shape[:2], np.uint8)
    stroke(drawn, line.bbox)
    page.image[drawn > 0] = 0
    assert page.glyphs is not None
    return page, (drawn > 0) & ~page.glyphs


def test_a_dash_joined_to_the_last_letter_is_erased_with_it() -> None:
    def dash(mask: np.ndarray, box: Box) -> None:
        middle = (box[1] + box[3]) // 2
        cv2.line(mask, (box[2] - 3, middle), (box[2] + 45, middle), 255, 3)

    page, drawn = _bubble_with(dash)
    layout = analyse_page(page.image, PageText(page.lines), "en")
    assert layout.mask[drawn].min() == 255, "the dash is erased"
    assert layout.mask[page.glyphs].min() == 255, "and so is the letter it touches"
    erased = apply_fills(page.image, layout)
    assert page.glyphs is not None
    assert (erased[drawn | page.glyphs] == 255).all()
    assert np.array_equal(erased[page.outline], page.image[page.outline]), "outline kept"


def test_a_stroke_across_the_line_is_no_dash() -> None:
    def upright(mask: np.ndarray, box: Box) -> None:
        cv2.line(mask, (box[2] - 3, box[1] + 4), (box[2] - 3, box[3] + 30), 255, 3)

    page, drawn = _bubble_with(upright)
    layout = analyse_page(page.image, PageText(page.lines), "en")
    below = drawn.copy()
    below[: page.lines[1].bbox[3] + 8] = False
    assert below.any() and not layout.mask[below].any(), "the stroke below the line stays"
