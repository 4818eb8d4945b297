"""The classical page analysis: lines -> blocks with their bubble, kind, glyph mask and
erase plan. No model weights.

1. Each line on a flat colour looks for the region of that colour around it; an enclosed
   one is a bubble (or a caption box), shared by every line whose centre lies in it.
2. Lines are grouped into blocks: one bubble is one block; outside bubbles, by geometry.
3. Each block gets its glyph mask (`workers.process.glyphs`) and its plan: `fill` with the
   region's colour when it sits on a flat region (clipped to the bubble's interior), the
   inpainter on the glyph mask otherwise. Big lettering straight on the art is a sound
   effect: it keeps its pixels (not in the mask), as most readers want.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from workers.lang import detect_source_lang
from workers.process.colours import line_fill, rgb
from workers.process.glyphs import Glyphs, flat_glyphs, textured_glyphs
from workers.process.grouping import make_blocks
from workers.process.regions import Region, dilate, find_region, grow
from workers.process.shape import is_rectangle, make_bubble
from workers.types import (
    RGB,
    Block,
    Box,
    Image,
    Mask,
    PageLayout,
    PageText,
    TextLine,
    is_cjk_char,
    u8,
)

# Languages whose comics are read right to left when set vertically.
RTL_VERTICAL = frozenset({"ja", "zh", "zh-TW"})
# Two fills further apart than this (per channel) are two different regions.
SAME_FILL = 40
# An enclosed region holding off-colour shapes that are not lettering (art, an inner
# outline) over this share of its glyph pixels is a panel or a patch of page, not a bubble.
MAX_STRAY_SHARE = 0.2
# Pixels this close to the median colour around the glyphs make the fill colour.
FILL_NOISE = 8
# Blocks of at most this many Latin letters or digits on a CJK page are not text.
NOISE_LETTERS = 4
CJK_LANGS = frozenset({"ja", "zh", "zh-TW", "ko"})
# Lettering on art this many times the page's usual line height is a sound effect.
SFX_LINES = 2.2


def _centre(box: Box) -> tuple[int, int]:
    return (box[0] + box[2]) // 2, (box[1] + box[3]) // 2


def _area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def _near(a: RGB, b: RGB) -> bool:
    return max(abs(p - q) for p, q in zip(a, b, strict=True)) <= SAME_FILL


def _inside(box: Box, x: int, y: int) -> bool:
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _detected(image: Image, lines: Sequence[TextLine], fills: Sequence[RGB | None],
              hints: Sequence[Box], regions: list[Region], owners: list[int | None]) -> None:
    """Regions inside the bubbles a detector saw (smallest first, so a bubble inside a
    bigger one keeps its own lines)."""
    for box in sorted(hints, key=_area):
        members = [i for i, ln in enumerate(lines)
                   if owners[i] is None and _inside(box, *_centre(ln.bbox))]
        with_fill = [i for i in members if fills[i] is not None]
        if not with_fill:
            continue
        seed = max(with_fill, key=lambda i: _area(lines[i].bbox))
        fill = fills[seed]
        if fill is None:
            continue
        boxes = [lines[i].bbox for i in members]
        region = find_region(image, boxes, lines[seed].height, fill,
                             sum(_area(b) for b in boxes), bubble=box)
        if region.enclosed:
            regions.append(region)
            for i in members:
                owners[i] = len(regions) - 1


def find_bubbles(image: Image, lines: Sequence[TextLine], fills: Sequence[RGB | None],
                 hints: Sequence[Box] = ()) -> tuple[list[Region], list[int | None]]:
    """The enclosed regions the lines sit in, and each line's region index (or None).
    `hints`: bubble boxes from a detector, trusted over the classical search."""
    regions: list[Region] = []
    owners: list[int | None] = [None] * len(lines)
    _detected(image, lines, fills, hints, regions, owners)

    # Big lines first: their region is found once and the small ones fall in it.
    order = sorted(range(len(lines)), key=lambda i: -_area(lines[i].bbox))
    for i in order:
        if owners[i] is not None:
            continue
        fill = fills[i]
        if fill is None:
            continue
        cx, cy = _centre(lines[i].bbox)
        known = [j for j, r in enumerate(regions) if r.contains(cx, cy) and _near(r.fill, fill)]
        if known:
            owners[i] = known[0]
            continue
        line = lines[i]
        region = find_region(image, [line.bbox], line.height, fill, _area(line.bbox))
        if region.enclosed and is_bubble(region, lines, line.height):
            regions.append(region)
            owners[i] = len(regions) - 1

    # Lines whose own box was not one colour (columns set close together) still belong to
    # the bubble their centre lies in.
    for i, line in enumerate(lines):
        if owners[i] is None and fills[i] is None:
            cx, cy = _centre(line.bbox)
            known = [j for j, r in enumerate(regions) if r.contains(cx, cy)]
            if known:
                owners[i] = known[0]
    return regions, owners


def _fill_near(image: Image, region: Region, glyphs: Glyphs, line_height: float) -> RGB:
    """The colour of the region's own pixels within half a line of the glyphs: what the
    fill must match where it meets them. The mean of those near the median: anti-aliased
    pixels at the glyphs' edge pull a plain mean towards the ink, JPEG noise makes a plain
    median jumpy."""
    ys, xs = np.nonzero(glyphs.mask)
    if len(xs) == 0:
        return region.fill
    h, w = glyphs.mask.shape
    r = max(2.0, line_height / 2)
    bx0, by0, bx1, by1 = grow((int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                               int(ys.max()) + 1), round(r) + 1, w, h)
    mask = glyphs.mask[by0:by1, bx0:bx1]
    ring = dilate(mask, r) & region.flat[by0:by1, bx0:bx1] & ~mask
    x0, y0 = region.box[0] + bx0, region.box[1] + by0
    pixels = image[y0: y0 + by1 - by0, x0: x0 + bx1 - bx0][ring]
    if len(pixels) < 16:
        return region.fill
    median = np.median(pixels, axis=0)
    close = np.abs(pixels.astype(np.int16) - median).max(axis=1) <= FILL_NOISE
    return rgb(pixels[close].mean(axis=0))


def is_bubble(region: Region, lines: Sequence[TextLine], line_height: float) -> bool:
    """Whether an enclosed region holds lettering only (the lines whose centre is in it)."""
    inside = [ln.bbox for ln in lines if region.contains(*_centre(ln.bbox))]
    if not inside:
        return False
    glyphs = flat_glyphs(region, inside, line_height)
    return glyphs.stray <= MAX_STRAY_SHARE * glyphs.strokes + line_height**2


def _ring_colour(image: Image, glyphs: Glyphs, line_height: float) -> RGB:
    x0, y0, x1, y1 = glyphs.box
    ring = dilate(glyphs.mask, max(2.0, line_height / 3)) & ~glyphs.mask
    pixels = image[y0:y1, x0:x1][ring]
    if len(pixels) == 0:
        return (255, 255, 255)
    median = np.median(pixels, axis=0)
    return (int(median[0]), int(median[1]), int(median[2]))


def _drawn_lettering(block: Block, lang: str) -> bool:
    """A few Latin letters or digits read off a page in a CJK script: a scribble, a sign or
    strokes of the art taken for letters, which keep their pixels. (A low recognition score
    alone does not tell: real lines in hand lettering score as low as art does.)"""
    text = [ch for ch in block.source_text if ch.isalnum()]
    if not text or len(text) > NOISE_LETTERS:
        return False
    return lang in CJK_LANGS and not any(is_cjk_char(ch) for ch in text)


class _Page:
    """What the per-block decisions share: the page, its grey copy, its usual line size."""

    def __init__(self, image: Image, lines: Sequence[TextLine], hints: Sequence[Box],
                 lang: str) -> None:
        self.image = image
        self.lang = lang
        self.grey = u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
        self.fills = [line_fill(image, ln.bbox, self.grey) for ln in lines]
        self.regions, self.owners = find_bubbles(image, lines, self.fills, hints)
        self.owner_of = {id(ln): o for ln, o in zip(lines, self.owners, strict=True)}
        self.fill_of = {id(ln): f for ln, f in zip(lines, self.fills, strict=True)}
        heights = [ln.height for ln in lines]
        self.usual_height = statistics.median(heights) if heights else 0.0

    def plan(self, block: Block, mask: Mask) -> None:
        lh = block.line_height
        boxes = [ln.bbox for ln in block.lines]
        owner = self.owner_of[id(block.lines[0])]
        fills = [f for ln in block.lines if (f := self.fill_of[id(ln)]) is not None]
        region: Region | None = None
        if owner is not None:
            region = self.regions[owner]
        elif len(fills) * 2 > len(block.lines):
            fill = fills[len(fills) // 2]
            region = find_region(self.image, boxes, lh, fill, sum(_area(b) for b in boxes))
        if region is not None:
            if owner is None and region.enclosed and not is_bubble(region, block.lines, lh):
                region.enclosed = False
            glyphs = flat_glyphs(region, boxes, lh)
            colour = _fill_near(self.image, region, glyphs, lh)
            block.erase, block.background = "fill", colour
            if region.enclosed:
                region.fill = colour
                block.bubble = make_bubble(region, lh)
                block.kind = "caption" if is_rectangle(region.interior) else "bubble"
            else:
                block.kind = "art"
        else:
            glyphs = textured_glyphs(self.image, self.grey, boxes, lh)
            block.erase, block.background = "model", _ring_colour(self.image, glyphs, lh)
            block.kind = "sfx" if lh >= SFX_LINES * self.usual_height else "art"
        if _drawn_lettering(block, self.lang):
            block.kind = "sfx"
        if block.kind == "sfx":
            return
        x0, y0, x1, y1 = glyphs.box
        region_mask = mask[y0:y1, x0:x1]
        region_mask[glyphs.mask] = 255
        if glyphs.unread:
            ys, xs = np.nonzero(glyphs.mask)
            bx0, by0, bx1, by1 = block.bbox
            block.bbox = (min(bx0, x0 + int(xs.min())), min(by0, y0 + int(ys.min())),
                          max(bx1, x0 + int(xs.max()) + 1), max(by1, y0 + int(ys.max()) + 1))


def analyse_page(image: Image, text: PageText, source: str,
                 bubbles: Sequence[Box] = ()) -> PageLayout:
    """The page's layout from the lines OCR read (`source`: the job's language or "auto";
    `bubbles`: where a detector saw bubbles, if one ran)."""
    height, width = image.shape[:2]
    lines = text.lines
    lang = source if source != "auto" else \
        text.lang or detect_source_lang(ln.text for ln in lines)
    vertical_share = sum(ln.vertical for ln in lines) / max(len(lines), 1)
    right_to_left = lang in RTL_VERTICAL and vertical_share >= 0.3
    page = _Page(image, lines, bubbles, lang)
    blocks = make_blocks(lines, right_to_left, page.fills, page.owners)
    mask: Mask = np.zeros((height, width), np.uint8)
    for block in blocks:
        page.plan(block, mask)
    return PageLayout(width, height, blocks, mask, lang or "en")
