"""Lettering in a colour of its own on art (white letters in a magenta rim over lavender
art): found by its colour, all of it, and nothing of the art around it."""

from __future__ import annotations

import cv2
import numpy as np

from tests.workers.process import pages
from tests.workers.process.pages import Page
from tests.workers.process.test_erase_pages import near
from workers.process.keep import Area
from workers.process.layout import analyse_page
from workers.process.tinted import tinted
from workers.types import PageText

MAGENTA = (210, 70, 240)


def _art() -> Page:
    """Lavender art with a broad band of darker blue-violet and hatching across it."""
    page = pages.blank(260, 640)
    page.image[:] = (228, 218, 246)
    band = np.array([(0, 150), (640, 60), (640, 130), (0, 230)], np.int32)
    cv2.fillPoly(page.image, [band], (120, 105, 205))
    for x in range(0, 640, 23):
        cv2.line(page.image, (x, 260), (x + 90, 0), (150, 140, 220), 2, cv2.LINE_AA)
    return page


def _rimmed(page: Page, rim: tuple[int, int, int]) -> None:
    for words, y in (("TINTED WORDS", 100), ("OVER THE ART", 180)):
        pages.outlined_text(page, words, (30, y), 2.2, ink=(255, 255, 255), rim=rim,
                            thickness=4, rim_px=3)


def test_rimmed_letters_over_art_of_another_hue_are_masked_and_the_art_is_not() -> None:
    page = _art()
    _rimmed(page, MAGENTA)
    layout = analyse_page(page.image, PageText(page.lines, "en"), "en")
    assert page.glyphs is not None
    masked = layout.mask > 0
    assert masked[page.glyphs].all()
    # The darkness of the band beside the letters no longer joins them: nothing of the
    # art past the letters' anti-aliased edge goes to the inpainter.
    assert not (masked & ~near(page.glyphs, 6)).any()


def _everywhere(shape: tuple[int, int]) -> Area:
    every = np.ones(shape, bool)
    return Area(every, every, 40.0, every)


def test_the_strokes_colour_finds_the_rest_of_them_when_it_is_a_tint() -> None:
    page = _art()
    _rimmed(page, MAGENTA)
    assert page.glyphs is not None
    rims = np.all(page.image == MAGENTA, axis=2)
    # Only the upper line's rims were found by their darkness.
    found = rims.copy()
    found[130:] = False
    tint = tinted(page.image, found, _everywhere(rims.shape))
    assert tint is not None
    assert tint.strokes[rims].all()
    assert not (tint.strokes & ~page.glyphs).any(), "art taken for the tint"
    # Black rims are no tint: the darkness decides, as before.
    plain = _art()
    _rimmed(plain, (20, 20, 20))
    black = np.all(plain.image == (20, 20, 20), axis=2)
    assert tinted(plain.image, black, _everywhere(black.shape)) is None
