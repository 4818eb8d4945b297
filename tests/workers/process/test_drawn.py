"""Sound effects drawn on a white ground: a few kana in strokes much bolder than the page's
lettering keep their pixels, and the lines beside them do not take their strokes."""

from __future__ import annotations

import cv2
import numpy as np

from tests.workers.process import pages
from tests.workers.process.pages import Bool, Page
from tests.workers.process.test_erase_pages import changed, erase
from workers.types import TextLine


def _letters(page: Page, x: int, y: int, text: str, thickness: int, n: int = 3,
             vertical: bool = False) -> Bool:
    """`n` letter-like shapes 28 px tall from (x, y), in a row or a column, in strokes
    `thickness` px wide, read as `text`; their mask."""
    drawn = np.zeros(page.image.shape[:2], np.uint8)
    for i in range(n):
        lx, ly = (x, y + i * 32) if vertical else (x + i * 34, y)
        for img, colour in ((page.image, (0, 0, 0)), (drawn, 255)):
            cv2.line(img, (lx + 4, ly + 3), (lx + 20, ly + 6), colour, thickness, cv2.LINE_AA)
            cv2.ellipse(img, (lx + 13, ly + 18), (9, 7), 0, 200, 520, colour, thickness,
                        cv2.LINE_AA)
    ys, xs = np.nonzero(drawn)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    page.lines.append(TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.95,
                               vertical))
    shapes: Bool = drawn > 0
    return shapes


def _dialogue(page: Page) -> Bool:
    """Four lines of thin lettering on the page's white; their mask."""
    shapes = np.zeros(page.image.shape[:2], bool)
    for x, y in [(30, 40), (330, 40), (30, 180), (330, 180)]:
        shapes |= _letters(page, x, y, "ノート", 2)
    return shapes


def test_a_few_bold_kana_on_the_white_keep_their_pixels() -> None:
    page = pages.blank(460, 560)
    thin = _dialogue(page)
    effect = _letters(page, 200, 300, "らん", 5, n=2)
    # As bold, but a line of dialogue (five kana) and a word of kanji: lettering.
    shout = _letters(page, 30, 390, "ダメだよ！", 5, n=5)
    kanji = _letters(page, 330, 390, "無理", 5, n=2)
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks if b.source_text == "らん"] == ["sfx"]
    assert not changed(page.image, out)[effect].any(), "the sound effect was erased"
    for letters in (thin, shout, kanji):
        assert (out[..., 0][letters] < 128).sum() == 0, "lettering left"


def test_a_column_beside_a_sound_effect_does_not_take_its_strokes() -> None:
    page = pages.blank(460, 560)
    _dialogue(page)
    # A column running down past the effect's first line, a few pixels from its strokes:
    # within the column's box and its slack.
    column = _letters(page, 258, 170, "ネズミ算式", 2, n=5, vertical=True)
    effect = _letters(page, 200, 300, "らん", 5, n=2)
    _, out = erase(page)
    assert not changed(page.image, out)[effect].any(), "the sound effect was erased"
    assert (out[..., 0][column] < 128).sum() <= 4, "the column was left"
