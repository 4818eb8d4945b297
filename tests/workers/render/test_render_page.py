from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.workers.render.pages import (
    block,
    bubble_page,
    cjk_face_or_skip,
    draw_text_page,
    ink_bbox,
    inside,
)
from workers.errors import FontMissing
from workers.render.color import contrast_ratio, relative_luminance
from workers.render.render import render_page
from workers.types import RGB, Block, Mask, PageLayout


def _layout(blocks: list[Block], w: int, h: int, mask: Mask | None = None) -> PageLayout:
    return PageLayout(w, h, blocks, np.zeros((h, w), np.uint8) if mask is None else mask, "ja")


def test_translation_is_drawn_inside_its_box() -> None:
    page = draw_text_page((400, 200), (255, 255, 255), (0, 0, 0), "Source text", (40, 80))
    b = block(page.box, "Source text", erase="model", line_height=page.box[3] - page.box[1])
    out, rendered = render_page(
        page.original, page.erased, _layout([b], 400, 200, page.mask), ["Translated!"], "en"
    )
    assert out.shape == page.erased.shape and out.dtype == np.uint8
    (r,) = rendered
    assert r.translation == "Translated!" and r.font_size > 0 and not r.overflow
    drawn = ink_bbox(page.erased, out)
    assert drawn is not None
    assert inside(drawn, r.bbox), (drawn, r.bbox)
    assert max(r.fg) < 60  # dark lettering, as in the source
    assert r.source_text == "Source text" and r.erase == "model" and r.direction == "h"


def test_inputs_are_not_modified() -> None:
    page = draw_text_page((300, 120), (255, 255, 255), (0, 0, 0), "Hello", (20, 40))
    original, erased = page.original.copy(), page.erased.copy()
    render_page(
        page.original, page.erased, _layout([block(page.box)], 300, 120, page.mask), ["Hi"], "en"
    )
    assert np.array_equal(original, page.original) and np.array_equal(erased, page.erased)


def test_light_text_on_dark_page() -> None:
    page = draw_text_page((400, 200), (15, 15, 40), (240, 240, 240), "Night falls", (40, 80))
    b = block(page.box, erase="model", background=(15, 15, 40))
    out, (r,) = render_page(
        page.original, page.erased, _layout([b], 400, 200, page.mask), ["La nuit"], "fr"
    )
    assert relative_luminance(r.fg) > 0.7
    drawn = ink_bbox(page.erased, out)
    assert drawn is not None
    x0, y0, x1, y1 = drawn
    r_, g_, b_ = (int(v) for v in out[y0:y1, x0:x1].max(axis=(0, 1)))
    brightest: RGB = (r_, g_, b_)
    assert contrast_ratio(brightest, (15, 15, 40)) > 4.5


def test_empty_translation_is_reported_not_drawn() -> None:
    page = draw_text_page((300, 120), (255, 255, 255), (0, 0, 0), "Hello", (20, 40))
    out, (r,) = render_page(
        page.original, page.erased, _layout([block(page.box)], 300, 120, page.mask), ["  "], "en"
    )
    assert np.array_equal(out, page.erased)
    assert r.font_size == 0 and r.translation == "" and r.outline is None


def test_vertical_block_in_bubble_letters_horizontally_inside_the_bubble() -> None:
    ellipse = (100, 60, 380, 460)
    erased = bubble_page((500, 560), ellipse)
    column = block((222, 110, 258, 410), "まさか", direction="v", line_height=36)
    out, (r,) = render_page(
        erased.copy(),
        erased,
        _layout([column], 500, 560),
        ["No way... that can't be true! It's impossible."],
        "en",
    )
    assert r.bbox[2] - r.bbox[0] > 100
    drawn = ink_bbox(erased, out)
    assert drawn is not None and inside(drawn, r.bbox)
    assert inside(r.bbox, ellipse)
    assert r.direction == "v"


def test_long_text_overflows_flagged_and_stays_on_page() -> None:
    erased = np.full((200, 300, 3), 255, np.uint8)
    tiny = block((120, 90, 180, 110), erase="model", line_height=12)
    text = " ".join(["lorem ipsum dolor sit amet"] * 20)
    out, (r,) = render_page(erased.copy(), erased, _layout([tiny], 300, 200), [text], "en")
    assert r.overflow
    assert r.font_size == 10
    assert out.shape == erased.shape


def test_japanese_target() -> None:
    cjk_face_or_skip("ja")
    page = draw_text_page((400, 200), (255, 255, 255), (0, 0, 0), "Where to?", (40, 80))
    out, (r,) = render_page(
        page.original,
        page.erased,
        _layout([block(page.box, line_height=30)], 400, 200, page.mask),
        ["どこへ行くの？"],
        "ja",
    )
    drawn = ink_bbox(page.erased, out)
    assert drawn is not None and inside(drawn, r.bbox)


def test_several_blocks_do_not_overlap() -> None:
    erased = bubble_page((600, 560), (40, 60, 560, 460))
    left = block((150, 150, 180, 380), direction="v", index=0, line_height=30)
    right = block((400, 150, 430, 380), direction="v", index=1, line_height=30)
    _out, (a, b) = render_page(
        erased.copy(), erased, _layout([left, right], 600, 560), ["Left side words", "Right"], "en"
    )
    assert a.bbox[2] <= b.bbox[0]


def test_missing_font_override_fails_clearly() -> None:
    page = draw_text_page((300, 120), (255, 255, 255), (0, 0, 0), "Hello", (20, 40))
    with pytest.raises(FontMissing):
        render_page(
            page.original,
            page.erased,
            _layout([block(page.box)], 300, 120, page.mask),
            ["Hi"],
            "en",
            Path("/nonexistent.ttf"),
        )


def test_mismatched_inputs_are_rejected() -> None:
    page = draw_text_page((300, 120), (255, 255, 255), (0, 0, 0), "Hello", (20, 40))
    layout = _layout([block(page.box)], 300, 120, page.mask)
    with pytest.raises(ValueError, match="translations"):
        render_page(page.original, page.erased, layout, [], "en")
    with pytest.raises(ValueError, match="equal"):
        render_page(page.original[:10], page.erased, layout, ["x"], "en")
