"""Pages drawn by the tests: bubbles, text, and the masks `process` would have produced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from workers.errors import FontMissing
from workers.render.fonts import FontFace, find_font
from workers.types import RGB, Block, Box, TextLine
from workers.types import Image as Array
from workers.types import Mask as MaskArray

CJK_COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def latin_face() -> FontFace:
    return find_font("en", "Hello")


def cjk_face_or_skip(lang: str) -> FontFace:
    try:
        return find_font(lang)
    except FontMissing:
        pytest.skip(f"no font with {lang} glyphs installed (e.g. apt install fonts-noto-cjk)")


def font(size: int) -> ImageFont.FreeTypeFont:
    face = latin_face()
    return ImageFont.truetype(str(face.path), size, index=face.index)


def line_for(box: Box, text: str, vertical: bool = False) -> TextLine:
    x0, y0, x1, y1 = box
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.9, vertical)


@dataclass
class Drawn:
    """An original page with text, the same page with the text erased, and the text mask."""

    original: Array
    erased: Array
    mask: MaskArray
    box: Box


def draw_text_page(
    size: tuple[int, int],
    bg: RGB,
    fg: RGB,
    text: str,
    at: tuple[int, int],
    font_size: int = 28,
) -> Drawn:
    """`text` drawn at `at` in `fg` on a flat `bg` page; erased copy is the flat page."""
    w, h = size
    img = Image.new("RGB", (w, h), bg)
    mask = Image.new("L", (w, h), 0)
    f = font(font_size)
    ImageDraw.Draw(img).text(at, text, font=f, fill=fg)
    ImageDraw.Draw(mask).text(at, text, font=f, fill=255, stroke_width=2)
    x0, y0, x1, y1 = ImageDraw.Draw(img).textbbox(at, text, font=f)
    erased = np.zeros((h, w, 3), np.uint8)
    erased[:] = bg
    box = (int(x0), int(y0), int(x1), int(y1))
    return Drawn(np.asarray(img).copy(), erased, np.asarray(mask).copy(), box)


def bubble_page(size: tuple[int, int], ellipse: Box, page_bg: RGB = (128, 128, 128)) -> Array:
    """A grey page with a white, black-outlined speech balloon."""
    img = Image.new("RGB", size, page_bg)
    ImageDraw.Draw(img).ellipse(ellipse, fill=(255, 255, 255), outline=(0, 0, 0), width=3)
    return np.asarray(img).copy()


def block(
    box: Box,
    text: str = "source",
    *,
    index: int = 0,
    direction: str = "h",
    erase: str = "fill",
    background: RGB = (255, 255, 255),
    line_height: int | None = None,
) -> Block:
    vertical = direction == "v"
    x0, y0, x1, y1 = box
    if line_height is not None:
        # One line of the given glyph size, centred in the box.
        if vertical:
            cx = (x0 + x1) // 2
            box_line = (cx - line_height // 2, y0, cx + line_height - line_height // 2, y1)
        else:
            cy = (y0 + y1) // 2
            box_line = (x0, cy - line_height // 2, x1, cy + line_height - line_height // 2)
        lines = [line_for(box_line, text, vertical)]
    else:
        lines = [line_for(box, text, vertical)]
    return Block(
        index,
        box,
        lines,
        "v" if vertical else "h",
        "fill" if erase == "fill" else "model",
        background,
    )


def ink_bbox(before: Array, after: Array) -> Box | None:
    """Bounding box of the pixels that changed; None when nothing did."""
    changed = np.any(before != after, axis=2)
    ys, xs = np.nonzero(changed)
    if len(xs) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )
