from __future__ import annotations

import numpy as np
import pytest

from tests.workers.render.pages import draw_text_page
from workers.render.color import (
    BLACK,
    MIN_CONTRAST,
    WHITE,
    best_bw,
    contrast_ratio,
    dominant_color,
    ink_color,
    reach_contrast,
    snap,
    text_style,
)


def _close(a: tuple[int, int, int], b: tuple[int, int, int], tol: int = 40) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= tol


def test_contrast_ratio_extremes() -> None:
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast_ratio(WHITE, BLACK) == pytest.approx(21.0)
    assert contrast_ratio((120, 30, 200), (120, 30, 200)) == pytest.approx(1.0)
    # WCAG's example threshold: #767676 on white is just above 4.5:1.
    assert contrast_ratio((0x76, 0x76, 0x76), WHITE) == pytest.approx(4.54, abs=0.01)


def test_best_bw() -> None:
    assert best_bw(WHITE) == BLACK
    assert best_bw((20, 20, 60)) == WHITE
    assert best_bw((255, 240, 100)) == BLACK


def test_dark_text_on_light_background() -> None:
    page = draw_text_page((240, 80), (250, 250, 245), (10, 10, 10), "Hello!", (20, 20))
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert _close(style.fg, (10, 10, 10))
    assert _close(style.background, (250, 250, 245), 8)
    assert style.outline is None


def test_light_text_on_dark_background() -> None:
    page = draw_text_page((240, 80), (20, 20, 60), (250, 250, 250), "Night", (20, 20))
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert _close(style.fg, (250, 250, 250))
    assert contrast_ratio(style.fg, style.background) >= 4.5


def test_coloured_text_with_enough_contrast_keeps_its_colour() -> None:
    page = draw_text_page((240, 80), (255, 255, 255), (150, 0, 0), "Boom", (20, 20), 36)
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert _close(style.fg, (150, 0, 0))


def test_low_contrast_falls_back_to_black_or_white() -> None:
    # Light grey lettering on white: unreadable as is.
    page = draw_text_page((240, 80), (255, 255, 255), (215, 215, 215), "Faint", (20, 20), 36)
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert style.fg == BLACK
    # Mid-grey background: whichever of black/white contrasts more, with an outline since
    # even that is marginal.
    page = draw_text_page((240, 80), (128, 128, 128), (140, 140, 140), "Grey", (20, 20), 36)
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert style.fg == best_bw((128, 128, 128))
    assert style.outline == WHITE


def test_busy_background_gets_an_outline() -> None:
    page = draw_text_page((240, 80), (255, 255, 255), (0, 0, 0), "Busy", (20, 20), 36)
    rng = np.random.default_rng(1)
    page.erased[:] = rng.integers(0, 256, page.erased.shape, dtype=np.uint8)
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert style.outline is not None
    assert style.outline != style.fg


def test_empty_mask_uses_black_or_white() -> None:
    page = draw_text_page((240, 80), (30, 30, 30), (200, 200, 200), "x", (20, 20))
    page.mask[:] = 0
    assert text_style(page.original, page.erased, page.mask, page.box).fg == WHITE


def test_ink_color_picks_cluster_farthest_from_background() -> None:
    px = np.array([[250, 250, 250]] * 60 + [[200, 0, 0]] * 40, dtype=np.uint8)
    assert _close(ink_color(px, WHITE), (200, 0, 0), 2)


def test_dominant_color() -> None:
    px = np.array([[10, 200, 30]] * 70 + [[0, 0, 0]] * 30, dtype=np.uint8)
    assert dominant_color(px) == (10, 200, 30)


def test_snapping_near_black_and_near_white() -> None:
    assert snap((98, 98, 98)) == BLACK  # the anti-aliased grey of black lettering
    assert snap((30, 25, 40)) == BLACK
    assert snap((240, 236, 250)) == WHITE
    assert snap((150, 0, 0)) == (150, 0, 0)  # a coloured shout keeps its colour
    assert snap((128, 128, 128)) == (128, 128, 128)  # a real mid-grey is not black


def test_black_lettering_with_heavy_anti_aliasing_is_lettered_pure_black() -> None:
    # Small black text on white: most glyph pixels are grey fringe; their mean is grey.
    page = draw_text_page((240, 60), (255, 255, 255), (0, 0, 0), "thin little words", (10, 20),
                          11)
    glyph_px = page.original[page.mask > 0]
    assert glyph_px.mean() > 90  # what the mean would have lettered
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert style.fg == BLACK


def test_dominant_glyph_colour_not_the_mean() -> None:
    # Red glyph cores with a pink fringe towards white: the ink is the red, not the average.
    px = np.array([[200, 20, 20]] * 40 + [[240, 160, 160]] * 35 + [[255, 255, 255]] * 25,
                  dtype=np.uint8)
    assert _close(ink_color(px, WHITE), (200, 20, 20), 12)


def test_lettering_reaches_seven_to_one() -> None:
    for fg, bg in (((150, 0, 0), WHITE), ((90, 90, 200), (20, 20, 20)), ((210, 210, 210), WHITE)):
        page = draw_text_page((240, 80), bg, fg, "Boom", (20, 20), 36)
        style = text_style(page.original, page.erased, page.mask, page.box)
        behind = style.outline or style.background
        assert contrast_ratio(style.fg, behind) >= MIN_CONTRAST, (fg, bg, style)
    # A red that is too light for 7:1 is darkened, keeping its hue.
    darker = reach_contrast((230, 60, 60), WHITE)
    assert darker is not None and contrast_ratio(darker, WHITE) >= MIN_CONTRAST
    assert darker[0] > darker[1] and darker[0] > darker[2]


def test_mid_grey_background_gets_a_stroke() -> None:
    page = draw_text_page((240, 80), (128, 128, 128), (0, 0, 0), "Grey", (20, 20), 36)
    style = text_style(page.original, page.erased, page.mask, page.box)
    assert style.outline is not None
    assert contrast_ratio(style.fg, style.outline) >= MIN_CONTRAST


def test_stroke_on_art_is_taken_from_the_background() -> None:
    # Light, busy art: the stroke is the art's own light colour, not a stark halo.
    page = draw_text_page((240, 80), (235, 225, 200), (0, 0, 0), "Title", (20, 20), 36)
    rng = np.random.default_rng(7)
    noise = rng.integers(-60, 60, page.erased.shape)
    page.erased[:] = np.clip(page.erased.astype(int) + noise * (rng.random(
        page.erased.shape[:2])[..., None] < 0.3), 0, 255).astype(np.uint8)
    style = text_style(page.original, page.erased, page.mask, page.box, on_art=True)
    assert style.outline is not None and style.fg == BLACK
    assert _close(style.outline, (235, 225, 200), 24)
