"""Drawing placed lines onto the page, and recording where each one's ink went.

Horizontal lines are centred on the room's axis where their span allows (shifted inside the
span where it does not). Vertical columns stack one upright character per em cell, right to
left; punctuation takes its vertical presentation form (、。「」…), and long-vowel marks and
dashes are turned a quarter so they run along the column. Lines are drawn on a crop around
the text only, so the cost does not grow with the page size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from workers.render.color import TextStyle
from workers.render.fontdb import FontFace
from workers.render.fonts import load_font
from workers.render.layout import Placed
from workers.render.room import Room
from workers.render.wrap import graphemes
from workers.types import Box, Image, RenderedLine, grow_box, union_box

VERTICAL_FORMS = {
    "、": "︑", "。": "︒", "，": "︐", "：": "︓", "；": "︔", "！": "︕", "？": "︖",
    "「": "﹁", "」": "﹂", "『": "﹃", "』": "﹄", "（": "︵", "）": "︶", "【": "︻",
    "】": "︼", "〈": "︿", "〉": "﹀", "《": "︽", "》": "︾", "…": "︙", "‥": "︰",
    "(": "︵", ")": "︶",
}
# Drawn turned a quarter clockwise in a column.
TURNED = frozenset("ー－-―—–〜～~")


def draw_placed(page: Image, placed: Placed, room: Room, face: FontFace,
                style: TextStyle) -> tuple[RenderedLine, ...]:
    """Draw `placed` into `page` in place; each line's text and ink box."""
    font = load_font(face, placed.size)
    if room.vertical:
        return _draw_columns(page, placed, room, font, style)
    return _draw_lines(page, placed, room, font, style)


def _draw_lines(page: Image, placed: Placed, room: Room, font: ImageFont.FreeTypeFont,
                style: TextStyle) -> tuple[RenderedLine, ...]:
    s = placed.stroke
    origins: list[tuple[int, int]] = []
    boxes: list[Box] = []
    for line, cross, span in zip(placed.lines, placed.cross, placed.spans, strict=True):
        bx0, by0, bx1, by1 = font.getbbox(line, anchor="ls")
        ink_w = bx1 - bx0
        x_page0, _ = room.to_page(0, span.lo)
        x_page1, _ = room.to_page(0, span.hi)
        axis_x, baseline = room.to_page(cross, placed.axis)
        # Centred on the axis, unless that would push the ink past its span.
        left = axis_x - ink_w / 2
        left = min(max(left, x_page0 + s), x_page1 - s - ink_w)
        ox = round(left - bx0)
        oy = round(baseline)
        origins.append((ox, oy))
        boxes.append((ox + int(bx0) - s, oy + int(by0) - s, ox + int(bx1) + s,
                      oy + int(by1) + s))

    def paint(crop: PILImage.Image, dx: int, dy: int) -> None:
        draw = ImageDraw.Draw(crop)
        for line, (ox, oy) in zip(placed.lines, origins, strict=True):
            draw.text((ox - dx, oy - dy), line, font=font, fill=style.fg, anchor="ls",
                      stroke_width=s, stroke_fill=style.outline if s else None)

    _paint(page, boxes, paint)
    return tuple(RenderedLine(line, box) for line, box in zip(placed.lines, boxes, strict=True))


def _draw_columns(page: Image, placed: Placed, room: Room, font: ImageFont.FreeTypeFont,
                  style: TextStyle) -> tuple[RenderedLine, ...]:
    size, s = placed.size, placed.stroke
    cells: list[tuple[str, float, float]] = []
    boxes: list[Box] = []
    for line, cross, span, width in zip(placed.lines, placed.cross, placed.spans,
                                        placed.widths, strict=True):
        top = min(max(placed.axis - width / 2, span.lo), span.hi - width)
        cx, y0 = room.to_page(cross, top)
        chars = graphemes(line)
        for i, ch in enumerate(chars):
            cells.append((ch, cx, y0 + (i + 0.5) * size))
        half = size / 2 + s
        boxes.append((round(cx - half), round(y0 - s), round(cx + half),
                      round(y0 + len(chars) * size + s)))

    def paint(crop: PILImage.Image, dx: int, dy: int) -> None:
        draw = ImageDraw.Draw(crop)
        for ch, cx, cy in cells:
            if ch in TURNED:
                _turned(crop, ch, (cx - dx, cy - dy), font, style, s)
            else:
                draw.text((cx - dx, cy - dy), VERTICAL_FORMS.get(ch, ch), font=font,
                          fill=style.fg, anchor="mm", stroke_width=s,
                          stroke_fill=style.outline if s else None)

    _paint(page, boxes, paint)
    return tuple(RenderedLine(line, box) for line, box in zip(placed.lines, boxes, strict=True))


def _turned(target: PILImage.Image, ch: str, centre: tuple[float, float],
            font: ImageFont.FreeTypeFont, style: TextStyle, stroke: int) -> None:
    """`ch` turned a quarter clockwise, centred on `centre` (a long-vowel mark in a column)."""
    side = int(font.size * 1.5) + 2 * stroke + 2
    glyph = PILImage.new("L", (side, side), 0)
    fill = PILImage.new("L", (side, side), 0)
    ImageDraw.Draw(glyph).text((side / 2, side / 2), ch, font=font, fill=255, anchor="mm",
                               stroke_width=stroke, stroke_fill=255)
    ImageDraw.Draw(fill).text((side / 2, side / 2), ch, font=font, fill=255, anchor="mm")
    glyph, fill = glyph.rotate(-90), fill.rotate(-90)
    at = (round(centre[0] - side / 2), round(centre[1] - side / 2))
    if stroke and style.outline is not None:
        target.paste(style.outline, at, glyph)
    target.paste(style.fg, at, fill)


def _paint(page: Image, boxes: list[Box],
           paint: Callable[[PILImage.Image, int, int], None]) -> None:
    """Run `paint(draw, dx, dy)` on a crop of `page` around `boxes` and paste it back."""
    h, w = page.shape[:2]
    cx0, cy0, cx1, cy1 = grow_box(union_box(boxes), 2, w, h)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    crop = PILImage.fromarray(np.ascontiguousarray(page[cy0:cy1, cx0:cx1]))
    paint(crop, cx0, cy0)
    page[cy0:cy1, cx0:cx1] = np.asarray(crop)
