"""The render stage: letter each block's translation into the erased page.

Per block: the room it is lettered into (its bubble's interior, from page analysis or found
on the erased page, or its original text area: `bubble.py`), the colours (`color.py`), a font
that has the glyphs (`fonts.py`), and the largest size it could take (`layout.py`). Then one
size is chosen for the page (`sizing.py`), every block is set at it or as close under it as
it fits, breaking lines between words (a dictionary hyphen only where a word is wider than
its line), and drawn (`draw.py`). Japanese and Chinese targets are lettered in vertical
columns in vertical bubbles (a tall balloon, or one whose source was set vertically).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workers.render.bubble import clamp_box, find_bubble, flat_color
from workers.render.color import TextStyle, source_color, text_style
from workers.render.draw import draw_placed
from workers.render.fontdb import FontFace
from workers.render.fonts import covers, emphasis_face, find_font, missing_chars
from workers.render.hyphen import splitter
from workers.render.layout import Fitter
from workers.render.region import open_region, overlap_cut, shared_cut, text_area
from workers.render.room import Room
from workers.render.scripts import CHAR_WRAPPED, base_lang
from workers.render.sizing import (
    MIN_FONT_SIZE,
    Emphasis,
    emphasis,
    page_cap,
    page_size,
    readable_floor,
)
from workers.render.wrap import normalize
from workers.types import (
    Block,
    BlockKind,
    Box,
    Bubble,
    Image,
    PageLayout,
    Polygon,
    RenderedBlock,
    iou,
)

# Air between the letters and the wall, in font sizes.
AIR_BUBBLE = 0.3
AIR_CAPTION = 0.15
# Air in a balloon too cramped for the page's size, and the last try before too small.
AIR_TIGHT = 0.12
AIR_LAST = 0.05
# An unclosed region's edges are partly outlines, partly just where the search stopped.
AIR_OPEN = 0.2
# How far past its own box (in line heights) text on a flat background may spread.
OPEN_REACH = 1.0
# A bubble found around text on a panel is the panel itself when their boxes overlap by
# more than this share of their union.
SAME_REGION = 0.5
# Hyphenating is worth it only when it buys this much size over whole words.
HYPHEN_GAIN = 1.2
# A balloon this much taller than wide is a vertical one (for ja/zh targets).
TALL = 1.3


@dataclass(slots=True)
class _Plan:
    block: Block
    text: str
    face: FontFace
    room: Room
    kind: BlockKind
    polygon: Polygon | None
    style: TextStyle
    fitter: Fitter
    emphasis: Emphasis
    best: int


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
    is reported with `font_size` 0, as is one that would need a size under the readable floor
    (`too_small`). Raises `FontMissing` when no font covers the target script.
    """
    if original.shape != inpainted.shape or inpainted.ndim != 3 or inpainted.shape[2] != 3:
        raise ValueError(
            f"original {original.shape} and inpainted {inpainted.shape} must be equal (H, W, 3)"
        )
    if len(translations) != len(layout.blocks):
        raise ValueError(f"{len(translations)} translations for {len(layout.blocks)} blocks")
    out: Image = np.array(inpainted, dtype=np.uint8, order="C", copy=True)
    h, w = out.shape[:2]
    floor = readable_floor(w, h)
    lettered = [bool(normalize(t)) for t in translations]
    cap = page_cap([b for b, on in zip(layout.blocks, lettered, strict=True) if on])
    emph = emphasis(layout.blocks, original, layout.mask, lettered)
    own_boxes = [clamp_box(b.bbox, w, h) for b in layout.blocks]
    plans: list[_Plan | None] = []
    reports: list[RenderedBlock | None] = []
    for i, (block, raw) in enumerate(zip(layout.blocks, translations, strict=True)):
        text = normalize(raw)
        face = find_font(target, text, font_path) if text else None
        drawable = text
        if face is not None and missing_chars(face, text):
            # Characters no installed font has would be drawn as empty boxes.
            drawable = normalize("".join(ch for ch in text if covers(face, ch)))
        if face is None or not drawable:
            fg = source_color(original, layout.mask, own_boxes[i], block.background)
            reports.append(_report(block, own_boxes[i], text, 0, TextStyle(fg, None, fg)))
            plans.append(None)
            continue
        if emph[i].bold:
            face = emphasis_face(face, target)
        others = own_boxes[:i] + own_boxes[i + 1 :]
        plans.append(_plan(block, drawable, face, original, inpainted, layout, others, target,
                           emph[i], cap or h))
        reports.append(None)
    ready = [p for p in plans if p is not None]
    in_bubbles = [p for p in ready if p.polygon is not None] or ready
    size = page_size([p.best / p.emphasis.scale for p in in_bubbles], floor)
    if cap:
        size = max(floor, min(size, cap))
    for i, plan in enumerate(plans):
        if plan is not None:
            reports[i] = _letter(out, plan, size, floor, text=normalize(translations[i]))
    return out, [r for r in reports if r is not None]


def _plan(block: Block, text: str, face: FontFace, original: Image, inpainted: Image,
          layout: PageLayout, others: list[Box], target: str, emph: Emphasis,
          cap: int) -> _Plan:
    h, w = inpainted.shape[:2]
    own = clamp_box(block.bbox, w, h)
    if block.lettered_in is not None:
        bubble: Bubble | None = block.lettered_in
    else:
        # Analysis found no bubble (a bubble whose outline has a gap, a block made by hand):
        # look again on the erased page, where the text no longer breaks the region up.
        bubble = find_bubble(inpainted, block)
        if bubble is not None and block.bubble is not None \
                and iou(bubble.box, block.bubble.box) > SAME_REGION:
            # Text on a panel's white has the panel as its `bubble` (its erasing was
            # clipped to it) but is lettered like text on the art: a room the size of the
            # panel would set it over the art in the panel's middle.
            bubble = None
    lang = base_lang(target)
    by_chars = lang in CHAR_WRAPPED
    if bubble is not None:
        cut = shared_cut(bubble, own, others)
        vertical = by_chars and (block.direction == "v" or _tall(bubble.box))
        room = (_bubble_room(bubble, cut, own, others, vertical)
                or Room.rect(cut, vertical=vertical))
        kind: BlockKind = block.kind if bubble is block.bubble else "bubble"
        air = AIR_CAPTION if kind == "caption" else AIR_BUBBLE
        polygon: Polygon | None = bubble.polygon
        on_art = False
    else:
        vertical = by_chars and block.direction == "v"
        widen = block.direction == "v" and not vertical
        area = text_area(block, others, w, h, widen=widen)
        flat = flat_color(inpainted, block)
        region = None
        if flat is not None:
            # On a flat background the text may take the space around it up to the first
            # outline or drawing.
            wide = text_area(block, others, w, h, widen=widen, reach=OPEN_REACH)
            region = open_region(inpainted, block, wide, flat)
            if region is not None:
                area = wide
        cleared = _clear(region, area[0], area[1], own, others) if region is not None else None
        if cleared is not None and cleared.any():
            room = Room(cleared, area[0], area[1], vertical=vertical)
        else:
            region = None
            room = Room.rect(overlap_cut(area, own, others), vertical=vertical)
        kind = block.kind if block.kind != "bubble" else "art"
        air = AIR_OPEN if region is not None else 0.0
        polygon = None
        on_art = flat is None
    style = text_style(original, inpainted, layout.mask, own, room.page_box, on_art=on_art,
                       where=room.mask)
    fitter = Fitter(text, face, room, by_chars=by_chars, splitter=splitter(target),
                    air_em=air, outline=style.outline is not None)
    best = fitter.max_size(MIN_FONT_SIZE, max(MIN_FONT_SIZE, round(cap * emph.scale)), False)
    return _Plan(block, text, face, room, kind, polygon, style, fitter, emph, best)


def _letter(out: Image, plan: _Plan, page: int, floor: int, *, text: str) -> RenderedBlock:
    fitter = plan.fitter
    want = max(floor, round(page * plan.emphasis.scale))
    size, hyphenate, air = min(want, plan.best), False, None
    if size < want and fitter.air_em > AIR_TIGHT:
        # A cramped balloon: nearer the wall before a size smaller than the page's.
        tight = fitter.max_size(MIN_FONT_SIZE, want, False, AIR_TIGHT)
        if tight > size:
            size, air = tight, AIR_TIGHT
    if size < want:
        hy = fitter.max_size(MIN_FONT_SIZE, want, True, air)
        if hy >= max(floor, HYPHEN_GAIN * size) or (size < floor <= hy):
            size, hyphenate = hy, True
    if size < floor:
        # Before giving up: the same text almost at the wall.
        for hyph in (False, True):
            if fitter.fits(floor, hyph, AIR_LAST):
                size, hyphenate, air = floor, hyph, AIR_LAST
                break
    placed = fitter.place(size, hyphenate, air) if size >= floor else None
    if placed is None:
        return _report(plan.block, plan.room.page_box, text, 0, plan.style, plan.kind,
                       plan.polygon, too_small=True)
    lines = draw_placed(out, placed, plan.room, plan.face, plan.style)
    report = _report(plan.block, plan.room.page_box, text, placed.size, plan.style, plan.kind,
                     plan.polygon)
    return replace(report, lines=lines)


def _bubble_room(bubble: Bubble, cut: Box, own: Box, others: list[Box],
                 vertical: bool) -> Room | None:
    bx0, by0, bx1, by1 = bubble.box
    x0, y0, x1, y1 = max(cut[0], bx0), max(cut[1], by0), min(cut[2], bx1), min(cut[3], by1)
    if x1 <= x0 or y1 <= y0:
        return None
    inside = _clear(bubble.interior[y0 - by0 : y1 - by0, x0 - bx0 : x1 - bx0] > 0, x0, y0,
                    own, others)
    if not inside.any():
        return None
    return Room(inside, x0, y0, vertical=vertical)


def _clear(mask: npt.NDArray[np.bool_], x0: int, y0: int, own: Box,
           others: list[Box]) -> npt.NDArray[np.bool_]:
    """`mask` (top-left at page x0, y0) without the other blocks' boxes and a pixel round
    them: lettering never covers another block's text (kept lettering, a sound effect).
    Blocks overlapping `own` split the room instead (`overlap_cut`)."""
    h, w = mask.shape
    cx0, cy0, cx1, cy1 = overlap_cut((x0, y0, x0 + w, y0 + h), own, others)
    out = np.zeros_like(mask)
    out[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = mask[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
    for ox0, oy0, ox1, oy1 in others:
        if ox0 < own[2] and ox1 > own[0] and oy0 < own[3] and oy1 > own[1]:
            continue
        a0, b0 = max(0, ox0 - 1 - x0), max(0, oy0 - 1 - y0)
        a1, b1 = min(w, ox1 + 1 - x0), min(h, oy1 + 1 - y0)
        if a1 > a0 and b1 > b0:
            out[b0:b1, a0:a1] = False
    return out


def _tall(box: Box) -> bool:
    return (box[3] - box[1]) > TALL * (box[2] - box[0])


def _report(block: Block, box: Box, translation: str, size: int, style: TextStyle,
            kind: BlockKind | None = None, polygon: Polygon | None = None, *,
            too_small: bool = False) -> RenderedBlock:
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
        overflow=too_small,
        kind=kind or block.kind,
        bubble=polygon,
        too_small=too_small,
    )

