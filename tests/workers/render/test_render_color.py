from __future__ import annotations

import numpy as np
import pytest

from tests.workers.render.pages import draw_text_page
from workers.render.color import (
    BLACK,
    WHITE,
    best_bw,
    contrast_ratio,
    dominant_color,
    ink_color,
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
