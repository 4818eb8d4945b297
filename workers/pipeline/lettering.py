"""The render stage's lettering: translations drawn in, or the artist's own lettering kept.

A block whose "translation" is its source text (a page already in the target language, a
name, a sound effect kept as is) gets its original pixels back instead of our font: the
artist's lettering beats ours. So does a block too small to letter readably: its original
beats an empty name tag. Sound effects (`kind == "sfx"`) are drawn lettering that page
analysis leaves on the page: nothing is lettered over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workers.types import Block, Box, Image, PageLayout, RenderedBlock, overlaps


def letter(original: Image, erased: Image, layout: PageLayout, translations: Sequence[str],
           target: str, font: Path | None) -> tuple[Image, list[RenderedBlock]]:
    from workers.render.render import render_page

    keep = [b.kind == "sfx" or same_text(b.source_text, t)
            for b, t in zip(layout.blocks, translations, strict=True)]
    if any(keep):
        erased = restore_blocks(original, erased, layout, keep)
    to_draw = ["" if k else t for k, t in zip(keep, translations, strict=True)]
    image, blocks = render_page(original, erased, layout, to_draw, target, font)
    small = [b.too_small for b in blocks]
    if any(small):
        # Too small to letter readably: the reader gets the artist's lettering back rather
        # than an empty name tag or bubble.
        image = restore_blocks(original, image, layout, small)
    return image, [replace(b, translation=b.source_text) if k else b
                   for b, k in zip(blocks, keep, strict=True)]


def same_text(source: str, translation: str) -> bool:
    def norm(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())
    return bool(norm(source)) and norm(source) == norm(translation)


def restore_blocks(original: Image, erased: Image, layout: PageLayout,
                   keep: Sequence[bool]) -> Image:
    """The kept blocks' masked pixels back from the original: those of its margin that lie
    nearer another block's lines are that block's glyphs (a column beside a small bubble),
    and stay erased."""
    out = erased.copy()
    height, width = layout.mask.shape
    erased_blocks = [b for b, k in zip(layout.blocks, keep, strict=True) if not k]
    for block, restore in zip(layout.blocks, keep, strict=True):
        if not restore:
            continue
        box = block.region(width, height)
        x0, y0, x1, y1 = box
        sel = layout.mask[y0:y1, x0:x1] > 0
        mine = _distance(block, box)
        for other in erased_blocks:
            if overlaps(other.region(width, height), box):
                sel &= mine < _distance(other, box)
        out[y0:y1, x0:x1][sel] = original[y0:y1, x0:x1][sel]
    return out


def _distance(block: Block, box: Box) -> npt.NDArray[np.float64]:
    """Each pixel of `box`: how far it is from the nearest of the block's line boxes."""
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[y0:y1, x0:x1]
    best = np.full((y1 - y0, x1 - x0), np.inf)
    for bx0, by0, bx1, by1 in [ln.bbox for ln in block.lines] or [block.bbox]:
        dx = np.maximum(np.maximum(bx0 - xs, xs - (bx1 - 1)), 0)
        dy = np.maximum(np.maximum(by0 - ys, ys - (by1 - 1)), 0)
        best = np.minimum(best, np.hypot(dx, dy))
    return best
