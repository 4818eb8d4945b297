from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

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
from workers.render.sizing import readable_floor
from workers.types import RGB, Block, Box, Mask, PageLayout


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


def test_text_that_needs_an_unreadable_size_is_flagged_not_drawn() -> None:
    erased = np.full((200, 300, 3), 255, np.uint8)
    tiny = block((120, 90, 180, 110), erase="model", line_height=12)
    text = " ".join(["lorem ipsum dolor sit amet"] * 20)
    out, (r,) = render_page(erased.copy(), erased, _layout([tiny], 300, 200), [text], "en")
    assert r.too_small and r.font_size == 0 and r.lines == ()
    assert np.array_equal(out, erased)


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


def _balloons(size: tuple[int, int], ellipses: list[Box]) -> np.ndarray:
    img = Image.new("RGB", size, (128, 128, 128))
    draw = ImageDraw.Draw(img)
    for e in ellipses:
        draw.ellipse(e, fill=(255, 255, 255), outline=(0, 0, 0), width=3)
    return np.asarray(img).copy()


def _centred(e: Box, w: int, h: int, **kw: object) -> Block:
    cx, cy = (e[0] + e[2]) // 2, (e[1] + e[3]) // 2
    return block((cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2), **kw)  # type: ignore[arg-type]


ROW = [(20, 40, 260, 240), (290, 40, 530, 240), (560, 40, 800, 240), (300, 500, 420, 600)]


def test_one_size_per_page_and_a_cramped_balloon_steps_down() -> None:
    page = _balloons((820, 700), ROW)
    blocks = [_centred(e, 36, 120, index=i, direction="v", line_height=32)
              for i, e in enumerate(ROW)]
    texts = ["Where are you going?", "I told you already.", "Not again!",
             "That is absolutely impossible, you know it!"]
    _out, rendered = render_page(page.copy(), page, _layout(blocks, 820, 700), texts, "en")
    sizes = [r.font_size for r in rendered]
    assert sizes[0] == sizes[1] == sizes[2] > 0
    assert readable_floor(820, 700) <= sizes[3] < sizes[0]


def test_lines_and_bubble_are_reported_and_inside() -> None:
    ellipse = (100, 60, 380, 460)
    erased = bubble_page((500, 560), ellipse)
    column = block((222, 110, 258, 410), "まさか", direction="v", line_height=36)
    text = "No way... that can't be true! It's impossible."
    out, (r,) = render_page(erased.copy(), erased, _layout([column], 500, 560), [text], "en")
    assert r.kind == "bubble" and r.bubble is not None and len(r.bubble) >= 8
    assert " ".join(line.text for line in r.lines) == text
    contour = np.asarray(r.bubble, np.int32).reshape(-1, 1, 2)
    for line in r.lines:
        x0, y0, x1, y1 = line.bbox
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            assert cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= 0, line
    drawn = ink_bbox(erased, out)
    assert drawn is not None
    union = (min(ln.bbox[0] for ln in r.lines), min(ln.bbox[1] for ln in r.lines),
             max(ln.bbox[2] for ln in r.lines), max(ln.bbox[3] for ln in r.lines))
    assert inside(drawn, union), (drawn, union)
    widths = [ln.bbox[2] - ln.bbox[0] for ln in r.lines]
    assert len(widths) >= 3 and widths[0] < max(widths) and widths[-1] < max(widths)


def test_larger_source_lettering_keeps_its_emphasis() -> None:
    ellipses = [(20, 40, 260, 240), (290, 40, 530, 240), (560, 40, 800, 240),
                (20, 300, 400, 660)]
    page = _balloons((820, 700), ellipses)
    blocks = [_centred(e, 36, 100, index=i, direction="v", line_height=30)
              for i, e in enumerate(ellipses[:3])]
    blocks.append(_centred(ellipses[3], 60, 200, index=3, direction="v", line_height=58))
    texts = ["Hello there.", "Fine, thanks.", "See you.", "WHAT?!"]
    _out, rendered = render_page(page.copy(), page, _layout(blocks, 820, 700), texts, "en")
    assert rendered[3].font_size > rendered[0].font_size == rendered[1].font_size


def test_japanese_target_in_a_tall_balloon_is_lettered_vertically() -> None:
    cjk_face_or_skip("ja")
    ellipse = (100, 40, 300, 500)
    erased = bubble_page((400, 540), ellipse)
    b = block((150, 200, 250, 240), "Where are you going?", line_height=30)
    text = "どこへ行くの？もう遅いよ。"
    _out, (r,) = render_page(erased.copy(), erased, _layout([b], 400, 540), [text], "ja")
    assert r.lines and "".join(line.text for line in r.lines) == text
    for line in r.lines:
        x0, y0, x1, y1 = line.bbox
        assert y1 - y0 > x1 - x0  # columns, not rows
    xs = [line.bbox[0] for line in r.lines]
    assert xs == sorted(xs, reverse=True)  # right to left


def test_overlapping_blocks_in_one_balloon_do_not_letter_over_each_other() -> None:
    ellipse = (40, 40, 560, 400)
    erased = bubble_page((600, 440), ellipse)
    # Page analysis gave one balloon's two columns overlapping boxes.
    left = block((150, 120, 330, 320), direction="v", index=0, line_height=30)
    right = block((280, 100, 460, 330), direction="v", index=1, line_height=30)
    _out, (a, b) = render_page(erased.copy(), erased, _layout([left, right], 600, 440),
                               ["Where are you going?", "Home, of course."], "en")
    assert a.lines and b.lines
    a_right = max(line.bbox[2] for line in a.lines)
    b_left = min(line.bbox[0] for line in b.lines)
    assert a_right <= b_left
    assert a.font_size == b.font_size  # each got half the balloon, not a sliver


def test_the_readable_floor_is_a_share_of_one_page() -> None:
    assert readable_floor(830, 1170) == 14  # 1.6 % of the width, rounded up
    assert readable_floor(1654, 1170) == 14  # a two-page spread: one page is half of it
    assert readable_floor(300, 200) == 10  # never under 10 px
