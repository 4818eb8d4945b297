"""Erasing lettering that is more than dark strokes on a plain ground: outlined titles and
narration on dark art, coloured text in a white rim, dark text in a tight caption box on a
scanned page, a letter touching a bubble's outline. What a reader sees of the letters (the
rim included) goes; the art, borders and outlines around them stay."""

from __future__ import annotations

import numpy as np

from tests.workers.process import pages
from tests.workers.process.test_erase_pages import changed, erase, looks_like, near
from workers.inpaint.patchmatch import PatchMatchInpainter


def test_white_outlined_text_on_dark_art() -> None:
    page = pages.dark_art(180, 480)
    clean = page.image.copy()
    line = pages.outlined_text(page, "NIGHT FALLS", (30, 110), 1.5, ink=(255, 255, 255),
                               rim=(0, 0, 0), thickness=4, rim_px=3)
    _, out = erase(page, PatchMatchInpainter())
    assert page.glyphs is not None
    white = page.glyphs & (page.image.min(axis=2) > 200)
    assert (out[white].max(axis=1) < 128).mean() > 0.99, "white letters left"
    assert looks_like(out, clean, page.glyphs) < 15, "the title can still be made out"
    halo = near(page.glyphs, round(0.3 * line.height))
    assert not (changed(page.image, out) & ~halo).any(), "art away from the title changed"


def test_coloured_text_in_a_white_rim_over_a_gradient() -> None:
    page = pages.gradient(200, 460)
    clean = page.image.copy()
    # Left of x = 370 the gradient stays darker than the rim's white.
    line = pages.outlined_text(page, "POW WOW", (40, 120), 1.6, ink=(200, 30, 30),
                               rim=(255, 255, 255), thickness=4, rim_px=2)
    _, out = erase(page, PatchMatchInpainter())
    assert page.glyphs is not None
    assert changed(page.image, out)[page.glyphs].mean() > 0.97, "glyph pixels left as drawn"
    assert looks_like(out, clean, page.glyphs) < 12, "letters or their rim still visible"
    halo = near(page.glyphs, round(0.35 * line.height))
    assert not (changed(page.image, out) & ~halo).any(), "the gradient changed away from them"


def test_dark_text_in_a_yellow_caption_box_on_a_scanned_page() -> None:
    page = pages.paper(160, 420)
    box = (40, 52, 380, 100)
    pages.coloured_rectangle(page, box, fill=(235, 212, 112))
    # The baseline sits on the box's bottom border: the letters touch it.
    pages.text(page, "MEANWHILE, IN TOWN", (52, 96), scale=0.9, ink=25, thickness=1)
    pages.add_grain(page)
    _, out = erase(page, PatchMatchInpainter())
    assert page.glyphs is not None and page.outline is not None
    ink = page.glyphs & ~page.outline & (page.image.max(axis=2) < 110)
    yellow = np.abs(out.astype(np.int16) - np.array((235, 212, 112))).max(axis=2) <= 45
    assert yellow[ink].mean() > 0.97, "letters left in the caption box"
    assert np.array_equal(out[page.outline], page.image[page.outline]), "border touched"
    outside = np.ones(page.glyphs.shape, bool)
    x0, y0, x1, y1 = box
    outside[y0:y1, x0:x1] = False
    assert not changed(page.image, out)[outside].any(), "the page around the box changed"


def test_a_word_merging_into_the_bubble_outline_is_erased_to_the_outline() -> None:
    # A bubble cut by the page's top edge, its last line set close along the outline and
    # its last letter run into it (bold lettering in a small balloon).
    page = pages.blank(170, 320)
    pages.ellipse(page, (160, 50), (140, 95))
    pages.text(page, "WITH THE", (70, 40), scale=0.8, thickness=2)
    pages.text(page, "GREEN HAIR", (40, 80), scale=0.9, thickness=3)
    pages.text(page, "SEXY!", (184, 121), scale=0.9, thickness=4)
    assert page.outline is not None and page.glyphs is not None
    assert (page.glyphs & near(page.outline, 1)).any(), "the drawing must touch the outline"
    _, out = erase(page)
    ink = page.glyphs & ~page.outline & (page.image[..., 0] < 100)
    assert (out[..., 0][ink] >= 200).mean() > 0.98, "letters left at the outline"
    kept = page.outline & (page.image[..., 0] < 128)
    assert np.array_equal(out[kept], page.image[kept]), "the outline was touched"
