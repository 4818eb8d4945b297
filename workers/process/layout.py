"""The classical page analysis: lines -> blocks with their bubble, kind, glyph mask and
erase plan. No model weights.

1. Each line on a flat colour looks for the region of that colour around it; an enclosed
   one is a bubble (or a caption box), shared by every line whose centre lies in it, or a
   panel when it holds several groups of lines and art cuts into it (`bubbles`).
2. Lines are grouped into blocks: one bubble is one block; outside bubbles, by geometry,
   never across a panel's border.
3. Each block gets its glyph mask (`workers.process.glyphs`) and its plan: `fill` with the
   region's colour when it sits on a flat region (clipped to the bubble's or the panel's
   interior; text on a panel is lettered as text on the art), the
   inpainter on the glyph mask otherwise. Big lettering straight on the art is a sound
   effect: it keeps its pixels (not in the mask), as most readers want; so are a few kana
   in bold strokes on a white ground (`workers.process.drawn`).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from workers.lang import detect_source_lang
from workers.process.bubbles import fill_near, find_bubbles, is_bubble, is_panel
from workers.process.colours import denoised, line_fill
from workers.process.drawn import drawn_effects
from workers.process.glyphs import Glyphs, flat_glyphs, spread, textured_glyphs
from workers.process.grouping import make_blocks
from workers.process.label import find_label
from workers.process.lines import block_size, line_size
from workers.process.morph import box_mask, dilate
from workers.process.regions import Region, Searches, find_region
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
    box_area,
    is_cjk_char,
    u8,
)

# Languages whose comics are read right to left when set vertically.
RTL_VERTICAL = frozenset({"ja", "zh", "zh-TW"})
# Blocks of at most this many Latin letters or digits on a CJK page are not text.
NOISE_LETTERS = 4
CJK_LANGS = frozenset({"ja", "zh", "zh-TW", "ko"})
# Lettering off a bubble this many times the page's usual line height is a sound effect
# or a title.
SFX_LINES = 2.2
# Off a bubble, a flat region is the text's background only when it holds this share of
# the line boxes; less (letters set close over a thin strip of colour) is text on art.
MIN_REGION_SHARE = 0.5
# On the art, a line's letters are found when the mask spans this share of its length: a
# mask over one letter of two (an armband's "委員" whose "員" runs into the arm's outline)
# spans about half, and erasing only that letter leaves the other alone on the art.
MIN_SPREAD = 0.6


# A word on a credits row is set at most this many times taller or shorter than the
# handle beside it.
CREDITS_SIZE = 1.5
# One Latin word, as a handle without its @ is written.
_LONE_WORD = re.compile(r"[A-Za-z0-9][\w.-]*", re.ASCII)
# A social-media handle or a web address: a name, never words to translate.
_ADDRESS = re.compile(r"@[\w.]{2,}|\w+_\w+|(?:https?://|www\.)\S+"
                      r"|[\w.-]+\.(?:com|net|org|io|me|tv|kr|jp|cn)", re.ASCII | re.IGNORECASE)


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


def _address(block: Block) -> bool:
    """Only handles and web addresses (an artist's credits beside their social icons):
    they are names, which a reader wants as the artist lettered them."""
    words = block.source_text.split()
    return bool(words) and all(_ADDRESS.fullmatch(w.strip(".,;:|/")) for w in words)


def credits(blocks: Sequence[Block]) -> set[int]:
    """Indices of the blocks of a credits row: handles and web addresses, and a lone Latin
    word set on the same row as one of them at its size (a handle without its @ beside the
    icons of the sites it is on)."""
    found = {b.index for b in blocks if _address(b)}
    rows = [b.bbox for b in blocks if b.index in found]
    for block in blocks:
        if block.index in found or not _LONE_WORD.fullmatch(block.source_text):
            continue
        _, y0, _, y1 = block.bbox
        for _, r0, _, r1 in rows:
            tall, short = max(y1 - y0, r1 - r0), min(y1 - y0, r1 - r0)
            if min(y1, r1) - max(y0, r0) >= 0.5 * tall and tall <= CREDITS_SIZE * short:
                found.add(block.index)
                break
    return found


class _Page:
    """What the per-block decisions share: the page, its denoised and grey copies, its
    usual line size."""

    def __init__(self, image: Image, lines: Sequence[TextLine], hints: Sequence[Box],
                 lang: str) -> None:
        self.image = image
        self.lang = lang
        # Strokes are found on the page as it is (a median would close thin gaps between
        # outlined letters and the art); background colours on the denoised page.
        self.grey = u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
        smooth = denoised(image)
        smooth_grey = u8(cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY))
        self.fills = [line_fill(smooth, ln.bbox, smooth_grey) for ln in lines]
        # Searches around single lines, met again as blocks of one line off a bubble.
        self.searches: Searches = {}
        self.lines = lines
        self.bubbles = find_bubbles(image, lines, self.fills, hints, self.searches)
        self.regions, self.owners = self.bubbles.regions, self.bubbles.owners
        self.owner_of = {id(ln): o for ln, o in zip(lines, self.owners, strict=True)}
        self.panel_of = {id(ln): p for ln, p in zip(lines, self.bubbles.panel_of, strict=True)}
        self.fill_of = {id(ln): f for ln, f in zip(lines, self.fills, strict=True)}
        sizes = [line_size(ln) for ln in lines]
        self.usual_height = statistics.median(sizes) if sizes else 0.0

    def _open_region(self, block: Block, line_height: float) -> Region | None:
        """The flat region around a block outside any bubble, when most of its lines sit
        on one colour and that region is the background of its text."""
        fills = [f for ln in block.lines if (f := self.fill_of[id(ln)]) is not None]
        if len(fills) * 2 <= len(block.lines):
            return None
        boxes = [ln.bbox for ln in block.lines]
        region = find_region(self.image, boxes, line_height, fills[len(fills) // 2],
                             sum(box_area(b) for b in boxes), memo=self.searches)
        if _covered(region, boxes) < MIN_REGION_SHARE:
            return None
        return region

    def plan(self, block: Block, credit: bool = False) -> Glyphs | None:
        """The block's bubble, kind and erase plan, and its glyph mask (None when it keeps
        its pixels); `credit`: it belongs to a credits row (`credits`), and keeps its
        lettering."""
        lh = block_size(block.lines)
        owner = self.owner_of[id(block.lines[0])]
        panel = self.panel_of[id(block.lines[0])]
        on_panel = panel is not None
        if owner is not None:
            region: Region | None = self.regions[owner]
        elif panel is not None:
            region = self.bubbles.panels[panel]
        else:
            region = self._open_region(block, lh)
            if region is None or not region.enclosed:
                # Letters on a card of paper thinner than their line: the search from the
                # line's box finds no region, or only open ground (`workers.process.label`).
                region = find_label(self.image, block.bbox, lh) or region
        if region is not None:
            if owner is None and not on_panel and region.enclosed:
                if is_panel(region, self.lines):
                    on_panel = True
                elif not is_bubble(region, block.lines, lh):
                    region.enclosed = False
            glyphs = flat_glyphs(region, block.lines, lh, self.image)
            colour = fill_near(self.image, region, glyphs, lh)
            block.erase, block.background = "fill", colour
            if region.enclosed and not on_panel:
                region.fill = colour
                block.bubble = make_bubble(region, lh)
                block.kind = "caption" if is_rectangle(region.interior) else "bubble"
            elif region.enclosed:
                # Text set on a panel's white: erased like a bubble's, clipped to the
                # panel's interior (its `bubble`), but lettered as text on the art, in
                # the free space around it, not across the panel.
                block.bubble = make_bubble(region, lh)
                block.kind = "art"
            else:
                # Display lettering off a bubble (a title, a shout) is drawn, not set:
                # it keeps its pixels like a sound effect on the art.
                block.kind = "sfx" if lh >= SFX_LINES * self.usual_height else "art"
        else:
            glyphs = textured_glyphs(self.image, self.grey, block.lines, lh)
            block.erase, block.background = "model", _ring_colour(self.image, glyphs, lh)
            block.kind = "sfx" if lh >= SFX_LINES * self.usual_height or \
                not _letters_found(glyphs, block.lines) else "art"
        if credit or _drawn_lettering(block, self.lang):
            block.kind = "sfx"
        return None if block.kind == "sfx" else glyphs


def _erase(block: Block, glyphs: Glyphs, mask: Mask) -> None:
    """The block's glyph mask into the page's; its box takes in the marks OCR did not read."""
    x0, y0, x1, y1 = glyphs.box
    region_mask = mask[y0:y1, x0:x1]
    region_mask[glyphs.mask] = 255
    if glyphs.unread:
        ys, xs = np.nonzero(glyphs.mask)
        bx0, by0, bx1, by1 = block.bbox
        block.bbox = (min(bx0, x0 + int(xs.min())), min(by0, y0 + int(ys.min())),
                      max(bx1, x0 + int(xs.max()) + 1), max(by1, y0 + int(ys.max()) + 1))


def _letters_found(glyphs: Glyphs, lines: Sequence[TextLine]) -> bool:
    """Whether the mask on the art runs along the lines holding most of the block's area.
    Where it does not, it is a piece of the art beside the letters (a white brim next to
    the emblem on a hat, the paper behind a newspaper's headline), and the inpainter would
    smear it while the letters stayed: the block keeps its pixels, as drawn lettering."""
    missed = sum(box_area(ln.bbox) for ln in lines if spread(glyphs, ln) < MIN_SPREAD)
    return 2 * missed <= sum(box_area(ln.bbox) for ln in lines)


def _covered(region: Region, boxes: Sequence[Box]) -> float:
    """Share of the line boxes that lie in the region's interior (glyphs included: they
    are holes in it)."""
    x0, y0, _, _ = region.box
    inside = box_mask(region.interior.shape, (x0, y0), boxes) & region.interior
    total = sum(box_area(b) for b in boxes)
    return float(inside.sum()) / max(total, 1)


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
    blocks = make_blocks(lines, right_to_left, page.fills, page.owners,
                         page.bubbles.panel_of)
    mask: Mask = np.zeros((height, width), np.uint8)
    credited = credits(blocks)
    planned = [(block, glyphs) for block in blocks
               if (glyphs := page.plan(block, block.index in credited)) is not None]
    drawn = drawn_effects(planned, page.grey)
    for block, glyphs in planned:
        if block.index in drawn:
            block.kind = "sfx"
        else:
            _erase(block, glyphs, mask)
    # A block beside a sound effect may have taken its strokes for marks OCR did not read.
    for block, glyphs in planned:
        if block.index in drawn:
            x0, y0, x1, y1 = glyphs.box
            mask[y0:y1, x0:x1][glyphs.mask] = 0
    return PageLayout(width, height, blocks, mask, lang or "en")
