"""The render stage: letter each block's translation into the inpainted page.

Per block: the box to fit into (`bubble.fitting_box`), the colours (`color.text_style`), a font
that has the glyphs (`fonts.find_font`), the size and line breaks (`layout.fit_text`); then the
lines are drawn centred in the box, with an outline where the colours call for one. Lines are
drawn on a crop around the text only, so the cost does not grow with the page size.

`RenderedBlock.direction` is the source block's direction; translations are lettered
horizontally in every target language.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from workers.render.bubble import clamp_box, fitting_box
from workers.render.color import TextStyle, text_style
from workers.render.fontdb import FontFace
from workers.render.fonts import covers, find_font, load_font, missing_chars
from workers.render.layout import Fit, fit_text, size_range, wraps_by_chars
from workers.render.wrap import normalize
from workers.types import Block, Box, Image, PageLayout, RenderedBlock


def render_page(
    original: Image,
    inpainted: Image,
    layout: PageLayout,
    translations: Sequence[str],
    target: str,
    font_path: Path | None = None,
) -> tuple[Image, list[RenderedBlock]]:
    """The inpainted page with every non-empty translation lettered in, and what went where.

    `translations[i]` belongs to `layout.blocks[i]`; an empty one leaves its block erased and
    is reported with `font_size` 0. Raises `FontMissing` when no font covers the target script.
    """
    if original.shape != inpainted.shape or inpainted.ndim != 3 or inpainted.shape[2] != 3:
        raise ValueError(
            f"original {original.shape} and inpainted {inpainted.shape} must be equal (H, W, 3)"
        )
    if len(translations) != len(layout.blocks):
        raise ValueError(f"{len(translations)} translations for {len(layout.blocks)} blocks")
    out: Image = np.array(inpainted, dtype=np.uint8, order="C", copy=True)
    h, w = out.shape[:2]
    own_boxes = [clamp_box(b.bbox, w, h) for b in layout.blocks]
    rendered: list[RenderedBlock] = []
    for i, (block, raw) in enumerate(zip(layout.blocks, translations, strict=True)):
        own = own_boxes[i]
        text = normalize(raw)
        if not text:
            style = text_style(original, inpainted, layout.mask, own)
            rendered.append(_report(block, own, "", 0, style, overflow=False))
            continue
        face = find_font(target, text, font_path)
        # Characters no installed font has would be drawn as empty boxes.
        drawable = text
        if missing_chars(face, text):
            drawable = normalize("".join(ch for ch in text if covers(face, ch)))
        others = own_boxes[:i] + own_boxes[i + 1 :]
        box = fitting_box(inpainted, block, others, widen=block.direction == "v")
        style = text_style(original, inpainted, layout.mask, own, box)
        if not drawable:
            rendered.append(_report(block, box, text, 0, style, overflow=False))
            continue
        lo, hi = size_range(block.line_height, box[3] - box[1])
        fit = fit_text(
            drawable,
            box[2] - box[0],
            box[3] - box[1],
            face,
            by_chars=wraps_by_chars(target, drawable),
            min_size=lo,
            max_size=hi,
            outline=style.outline is not None,
        )
        draw_fit(out, fit, box, face, style)
        rendered.append(_report(block, box, text, fit.font_size, style, overflow=fit.overflow))
    return out, rendered


def draw_fit(page: Image, fit: Fit, box: Box, face: FontFace, style: TextStyle) -> None:
    """Draw `fit`'s lines centred in `box`, in place. Text taller than the box (overflow)
    stays centred on it but is kept on the page."""
    h, w = page.shape[:2]
    x0, y0, x1, y1 = box
    s = fit.stroke
    total_h = fit.height + 2 * s
    top = round((y0 + y1 - total_h) / 2)
    top = max(0, min(top, h - total_h))
    cx = (x0 + x1) / 2
    origins = []
    for i, (ink0, ink1) in enumerate(fit.ink):
        ox = round(cx - (ink0 + ink1) / 2)
        ox = max(-ink0 + s, min(ox, w - ink1 - s))
        origins.append((ox, top + s + fit.ascent + i * fit.line_pitch))
    lefts = [ox + ink[0] for (ox, _b), ink in zip(origins, fit.ink, strict=True)]
    rights = [ox + ink[1] for (ox, _b), ink in zip(origins, fit.ink, strict=True)]
    cx0, cx1 = max(0, min(lefts) - s - 2), min(w, max(rights) + s + 2)
    cy0 = max(0, top - 2)
    cy1 = min(h, top + total_h + 2)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    crop = PILImage.fromarray(page[cy0:cy1, cx0:cx1])
    draw = ImageDraw.Draw(crop)
    font = load_font(face, fit.font_size)
    for line, (ox, baseline) in zip(fit.lines, origins, strict=True):
        draw.text(
            (ox - cx0, baseline - cy0),
            line,
            font=font,
            fill=style.fg,
            anchor="ls",
            stroke_width=s,
            stroke_fill=style.outline if s else None,
        )
    page[cy0:cy1, cx0:cx1] = np.asarray(crop)


def _report(
    block: Block, box: Box, translation: str, size: int, style: TextStyle, *, overflow: bool
) -> RenderedBlock:
    return RenderedBlock(
        index=block.index,
        bbox=box,
        direction=block.direction,
        source_text=block.source_text,
        translation=translation,
        font_size=size,
        fg=style.fg,
        erase=block.erase,
        outline=style.outline if size else None,
        overflow=overflow,
    )
