"""Analysis and erasing end to end on drawn pages: which pixels change, and which never do."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from tests.workers.process import pages
from tests.workers.process.pages import Bool, Page
from workers.inpaint.base import Inpainter
from workers.inpaint.crops import plan_crops
from workers.inpaint.erase import apply_fills, inpaint_crops
from workers.inpaint.opencv import OpenCVInpainter
from workers.inpaint.patchmatch import PatchMatchInpainter
from workers.process.layout import analyse_page
from workers.types import Image, PageLayout, PageText


def erase(page: Page, inpainter: Inpainter | None = None) -> tuple[PageLayout, Image]:
    layout = analyse_page(page.image, PageText(page.lines, "en"), "en")
    out = apply_fills(page.image, layout)
    inpaint_crops(out, plan_crops(page.image, layout), inpainter or OpenCVInpainter())
    return layout, out


def changed(a: Image, b: Image, by: int = 0) -> Bool:
    diff: Bool = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > by
    return diff


def near(mask: Bool, radius: int) -> Bool:
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    out: Bool = cv2.dilate(mask.astype(np.uint8), k) > 0
    return out


def erased_share(page: Page, out: Image) -> float:
    """Share of the glyph pixels that now look like their surroundings' background (moved
    by at least half of the way from ink to paper)."""
    assert page.glyphs is not None
    ink = page.glyphs & (page.image[..., 0] < 100)
    return float((out[..., 0][ink] >= 160).mean())


def test_text_touching_the_outline_is_erased_and_the_outline_kept() -> None:
    page = pages.blank(300, 400)
    pages.ellipse(page, (200, 150), (150, 90))
    pages.text(page, "HELLO", (150, 140))
    # The second line runs into the bubble's right edge.
    pages.text(page, "WORLD FRIENDS", (111, 185), scale=1.0)
    assert page.outline is not None and page.glyphs is not None
    touching = page.glyphs & near(page.outline, 2)
    assert touching.any(), "the drawing must really touch the outline"
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks] == ["bubble"]
    assert layout.blocks[0].erase == "fill"
    assert np.array_equal(out[page.outline], page.image[page.outline]), "outline touched"
    assert erased_share(page, out) > 0.9
    # Nothing but glyphs and their anti-aliased edge changed.
    assert not (changed(page.image, out) & ~near(page.glyphs, 3)).any()


def test_no_ghosts_in_a_bubble() -> None:
    page = pages.blank(240, 360)
    pages.ellipse(page, (180, 120), (150, 90))
    pages.text(page, "NO GHOSTS", (100, 130), scale=1.1, thickness=3)
    _, out = erase(page)
    inside = pages.ellipse_mask(out.shape[:2], (180, 120), (146, 86))
    grey = out[..., 0].astype(np.int16)
    assert np.abs(grey[inside] - 255).max() <= 24, "a faint letter shape is left"


def looks_like(out: Image, clean: Image, where: Bool) -> float:
    """Mean difference of the two pages blurred (texture averages out), over `where`."""
    a = cv2.GaussianBlur(out[..., 0].astype(np.float32), (0, 0), 3)
    b = cv2.GaussianBlur(clean[..., 0].astype(np.float32), (0, 0), 3)
    return float(np.abs(a - b)[where].mean())


@pytest.mark.parametrize("background", ["screentone", "gradient"])
def test_text_on_texture_changes_only_glyph_pixels(background: str) -> None:
    make = pages.screentone if background == "screentone" else pages.gradient
    page, clean = make(200, 420), make(200, 420).image
    line = pages.text(page, "BOOM CRASH", (40, 110), scale=1.4, thickness=3, ink=0)
    layout, out = erase(page, PatchMatchInpainter())
    assert [b.erase for b in layout.blocks] == ["model"]
    assert layout.blocks[0].kind == "art"
    assert page.glyphs is not None
    # A small halo: a quarter of a line (tone dots touching a stroke go with it).
    halo = near(page.glyphs, round(0.25 * line.height))
    assert not (changed(page.image, out) & ~halo).any(), "pixels away from the glyphs changed"
    assert looks_like(page.image, clean, page.glyphs) > 60, "the text must be there at first"
    assert looks_like(out, clean, page.glyphs) < 15, "the text is still visible"


def test_white_text_on_black_is_filled_black() -> None:
    page = pages.blank(160, 420, colour=0)
    pages.text(page, "NIGHT TALK", (40, 90), scale=1.3, thickness=3, ink=255)
    layout, out = erase(page)
    assert layout.blocks[0].erase == "fill"
    assert layout.blocks[0].background[0] < 20
    assert page.glyphs is not None
    assert out[..., 0][page.glyphs].max() < 40, "white letters left"
    assert not (changed(page.image, out) & ~near(page.glyphs, 3)).any()


def test_a_bubble_with_a_tail_gets_the_body_as_its_polygon() -> None:
    page = pages.blank(320, 400)
    tail = ((230, 200), (270, 190), (330, 300))
    pages.ellipse(page, (200, 140), (140, 80), tail=tail)
    pages.text(page, "WHERE TO", (130, 130))
    pages.text(page, "NOW?", (165, 165))
    layout, out = erase(page)
    [block] = layout.blocks
    assert block.kind == "bubble" and block.bubble is not None
    shape = page.image.shape[:2]
    body = pages.ellipse_mask(shape, (200, 140), (140, 80))
    polygon = pages.polygon_mask(shape, block.bubble.polygon)
    # The tail's root leaves a small bump where it joins the body.
    assert pages.boundary_distance(polygon, body) <= 6
    # The interior keeps the tail's wide part (the body ends at y = 220): erasing may
    # reach text there.
    assert block.bubble.box[3] >= 250
    assert page.outline is not None
    assert np.array_equal(out[page.outline], page.image[page.outline])


def test_two_touching_bubbles_stay_apart() -> None:
    page = pages.blank(260, 520)
    pages.ellipse(page, (140, 130), (120, 80))
    pages.ellipse(page, (380, 130), (120, 80))  # outlines meet at x = 260
    pages.text(page, "LEFT ONE", (70, 140))
    pages.text(page, "RIGHT ONE", (305, 140))
    layout, out = erase(page)
    assert len(layout.blocks) == 2
    shape = page.image.shape[:2]
    for block, centre in zip(sorted(layout.blocks, key=lambda b: b.bbox[0]),
                             [(140, 130), (380, 130)], strict=True):
        assert block.kind == "bubble" and block.bubble is not None
        ideal = pages.ellipse_mask(shape, centre, (120, 80))
        drawn = pages.polygon_mask(shape, block.bubble.polygon)
        assert pages.boundary_distance(drawn, ideal) <= 4
    assert page.outline is not None
    assert np.array_equal(out[page.outline], page.image[page.outline])


def test_a_caption_box_is_a_rectangle() -> None:
    page = pages.gradient(220, 460)
    pages.rectangle(page, (40, 40, 420, 150), fill=245)
    pages.text(page, "MEANWHILE, IN TOWN", (70, 105))
    layout, _ = erase(page)
    [block] = layout.blocks
    assert block.kind == "caption" and block.bubble is not None
    xs = [p[0] for p in block.bubble.polygon]
    ys = [p[1] for p in block.bubble.polygon]
    assert abs(min(xs) - 42) <= 3 and abs(max(xs) - 417) <= 3
    assert abs(min(ys) - 42) <= 3 and abs(max(ys) - 147) <= 3
    assert block.bubble.fill == (245, 245, 245)


def test_a_line_running_through_the_text_is_not_a_glyph() -> None:
    page = pages.blank(200, 460)
    pages.text(page, "HAIR LINE", (60, 110), scale=1.3, thickness=3)
    # A strand of hair crossing the line box and running far out of it.
    cv2.line(page.image, (20, 20), (440, 180), (0, 0, 0), 2, cv2.LINE_AA)
    strand = np.zeros(page.image.shape[:2], np.uint8)
    cv2.line(strand, (20, 20), (440, 180), 255, 2, cv2.LINE_AA)
    assert page.glyphs is not None
    away = (strand > 0) & ~near(page.glyphs, 4)
    _, out = erase(page)
    assert np.array_equal(out[away], page.image[away]), "the strand was erased"


def test_a_narrow_gap_in_the_outline_does_not_let_the_bubble_leak() -> None:
    page = pages.blank(320, 460)
    pages.ellipse(page, (230, 150), (150, 90))
    page.image[50:70, 226:232] = 255  # a 6 px gap at the top, into the white page
    pages.text(page, "LEAKY TOP", (150, 140))
    pages.text(page, "BUBBLE", (180, 180))
    layout, out = erase(page)
    [block] = layout.blocks
    assert block.kind == "bubble" and block.bubble is not None
    shape = page.image.shape[:2]
    drawn = pages.polygon_mask(shape, block.bubble.polygon)
    assert pages.boundary_distance(drawn, pages.ellipse_mask(shape, (230, 150), (150, 90))) <= 6
    assert page.outline is not None
    kept = page.outline & (page.image[..., 0] < 128)
    assert np.array_equal(out[kept], page.image[kept])


def test_the_teeth_of_a_shouting_bubble_are_kept_where_the_line_box_reaches_them() -> None:
    page = pages.blank(300, 440)
    centre, teeth = np.array([220.0, 150.0]), 40
    angles = np.linspace(0, 2 * np.pi, 2 * teeth, endpoint=False)
    radii = np.where(np.arange(2 * teeth) % 2 == 0, 1.0, 0.9)[:, None]
    star = centre + radii * np.stack([190 * np.cos(angles), 120 * np.sin(angles)], axis=1)
    polygon = [star.round().astype(np.int32)]
    cv2.fillPoly(page.image, polygon, (255, 255, 255))
    before = page.image.copy()
    cv2.polylines(page.image, polygon, True, (0, 0, 0), 2, cv2.LINE_AA)
    page.outline = changed(before, page.image)
    top = pages.text(page, "AAARGH", (150, 90), scale=1.2, thickness=3)
    pages.text(page, "NO WAY", (160, 140), scale=1.2, thickness=3)
    # OCR's box of the top line runs up over the inward teeth of the outline.
    x0, y0, x1, y1 = top.bbox
    tips = round(float(centre[1]) - 0.9 * 120) - 2
    page.lines[0] = replace(top, polygon=((x0, tips), (x1, tips), (x1, y1), (x0, y1)))
    assert (page.outline[tips:y0, x0:x1]).any(), "the box must really take in teeth"
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks] == ["bubble"]
    dark = page.outline & (page.image[..., 0] < 128)
    assert np.array_equal(out[dark], page.image[dark]), "a tooth of the outline was erased"
    assert erased_share(page, out) > 0.9
