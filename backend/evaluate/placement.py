"""Placement of the translation: is each lettered line inside its block, is it legible, how
big is it, does its colour stand out.

The output page is read back by OCR. An output line belongs to the block whose translation's
words cover most of it (at least half of its letters); it is inside when at least 90 % of it
lies in the box the translation was fitted into, with a margin of a third of the font size
(OCR boxes are a little larger than the ink). Legibility is the share of the translation's
words (three letters or more) read back near the block.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from backend.evaluate.boxes import covered, pad
from backend.evaluate.readback import LINE_COVERAGE, is_drawn, owner, plain, words_of
from workers.render.color import contrast_ratio, dominant_color
from workers.types import RGB, Box, Image, RenderedBlock, TextLine

INSIDE = 0.9
# WCAG AA for body text; a block drawn with an outline is legible below it.
LOW_CONTRAST = 4.5
# Pixels this close (max over channels) to the text colour are its ink.
_FG_DISTANCE = 48


@dataclass(frozen=True, slots=True)
class BlockPlacement:
    index: int
    font_size: int
    line_height: float
    font_ratio: float | None
    background: RGB
    contrast: float
    overflow: bool
    lines: int
    inside: int
    words: int
    found: int


@dataclass(frozen=True, slots=True)
class PlacementScore:
    rendered: int
    overflow: int
    lines: int
    inside: int
    share: float | None
    words: int
    found: int
    found_share: float | None
    font_ratio_median: float | None
    contrast_median: float | None
    contrast_min: float | None
    low_contrast: int
    blocks: tuple[BlockPlacement, ...]


def background(image: Image, box: Box, fg: RGB, font_size: int) -> RGB:
    """The colour behind the lettering: the dominant colour of the box once the text colour
    and a few pixels around it (its outline, anti-aliasing) are taken out; all of the box
    when nothing is left, which is what text the colour of its background looks like."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return (255, 255, 255)
    crop = image[y0:y1, x0:x1]
    ink = np.abs(crop.astype(np.int16) - np.array(fg, np.int16)).max(axis=2) <= _FG_DISTANCE
    reach = 2 * max(2, font_size // 6) + 1
    near_ink = cv2.dilate(ink.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    px = crop[~near_ink] if (~near_ink).any() else crop.reshape(-1, 3)
    return dominant_color(px)


def placement(image: Image, rendered: Sequence[RenderedBlock], after: Sequence[TextLine],
              line_heights: Mapping[int, float]) -> PlacementScore:
    """`image`: the output page; `after`: its OCR; `line_heights`: the source line height
    of each block by index."""
    drawn = [b for b in rendered if is_drawn(b)]
    owned: dict[int, list[TextLine]] = {b.index: [] for b in drawn}
    for line in after:
        block = owner(line, drawn)
        if block is not None:
            owned[block.index].append(line)
    per_block = [_score_block(image, b, owned[b.index], after, line_heights.get(b.index, 0.0))
                 for b in drawn]
    lines = sum(p.lines for p in per_block)
    inside = sum(p.inside for p in per_block)
    words = sum(p.words for p in per_block)
    found = sum(p.found for p in per_block)
    ratios = [p.font_ratio for p in per_block if p.font_ratio is not None]
    contrasts = [p.contrast for p in per_block]
    return PlacementScore(
        rendered=len(drawn), overflow=sum(1 for b in rendered if b.overflow),
        lines=lines, inside=inside, share=_share(inside, lines),
        words=words, found=found, found_share=_share(found, words),
        font_ratio_median=round(statistics.median(ratios), 3) if ratios else None,
        contrast_median=round(statistics.median(contrasts), 2) if contrasts else None,
        contrast_min=round(min(contrasts), 2) if contrasts else None,
        low_contrast=sum(1 for p, b in zip(per_block, drawn, strict=True)
                         if p.contrast < LOW_CONTRAST and b.outline is None),
        blocks=tuple(per_block))


def _score_block(image: Image, block: RenderedBlock, lines: Sequence[TextLine],
                 after: Sequence[TextLine], line_height: float) -> BlockPlacement:
    margin = max(4, block.font_size // 3)
    box = pad(block.bbox, margin)
    inside = sum(1 for ln in lines if covered(ln.bbox, box) >= INSIDE)
    near = "".join(plain(a.text) for a in after if covered(a.bbox, box) >= LINE_COVERAGE)
    words = words_of(block.translation)
    bg = background(image, box, block.fg, block.font_size)
    return BlockPlacement(
        index=block.index, font_size=block.font_size, line_height=round(line_height, 1),
        font_ratio=round(block.font_size / line_height, 3) if line_height > 0 else None,
        background=bg, contrast=round(contrast_ratio(block.fg, bg), 2),
        overflow=block.overflow, lines=len(lines), inside=inside,
        words=len(words), found=sum(1 for w in words if w in near))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
