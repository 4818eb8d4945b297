"""A name card on the art: a framed strip of paper thinner than the line OCR reads on it."""

from __future__ import annotations

import numpy as np

from tests.workers.process import pages
from tests.workers.process.test_erase_pages import changed, erase
from workers.types import TextLine

RED = (220, 40, 50)


def _card_page() -> tuple[pages.Page, tuple[int, int, int, int]]:
    """Screentone art with a red-framed white card on it and red letters on the card; the
    line's box reaches 4 px into the frame above and below the paper, as OCR's does."""
    page = pages.screentone(160, 320)
    card = (80, 60, 240, 100)
    pages.coloured_rectangle(page, card, (255, 255, 255), thickness=6)
    x0, y0, x1, y1 = card
    frame = np.zeros(page.image.shape[:2], bool)
    frame[y0:y1, x0:x1] = True
    frame[y0 + 6: y1 - 6, x0 + 6: x1 - 6] = False
    page.image[frame] = RED
    line = pages.text(page, "NAME", (118, 90), scale=0.8, thickness=2)
    page.image[page.glyphs & ~frame] = RED
    lx0, _, lx1, _ = line.bbox
    page.lines[:] = [TextLine(((lx0, 62), (lx1, 62), (lx1, 98), (lx0, 98)), "NAME", 0.99,
                              False)]
    return page, card


def test_a_name_card_is_filled_with_its_paper_and_its_frame_kept() -> None:
    page, (x0, y0, x1, y1) = _card_page()
    layout, out = erase(page)
    [block] = layout.blocks
    assert (block.erase, block.kind) == ("fill", "caption")
    assert block.background == (255, 255, 255)
    moved = changed(page.image, out, by=24)
    card = np.zeros(moved.shape, bool)
    card[y0 + 6: y1 - 6, x0 + 6: x1 - 6] = True
    assert not (moved & ~card).any(), "the frame or the art changed"
    assert page.glyphs is not None
    letters = page.glyphs & card
    assert float((out[letters].min(axis=1) >= 200).mean()) > 0.97, "letters left"


def test_letters_on_the_art_with_a_light_rim_are_no_card() -> None:
    page = pages.dark_art(160, 420)
    pages.outlined_text(page, "BANG", (60, 110), 2.0, (20, 20, 20), (250, 250, 250), 4)
    layout, _ = erase(page)
    assert [b.erase for b in layout.blocks] == ["model"]
