"""The flat fill: a block on one colour is erased by painting its glyph mask that colour.

Exact and free, and inside a bubble clipped to the bubble's interior: the mask grown over
the glyphs' anti-aliasing may reach the outline, the paint never does.
"""

from __future__ import annotations

import numpy as np

from workers.types import Image, PageLayout


def apply_fills(image: Image, layout: PageLayout) -> Image:
    """A copy of the page with every flat block's glyph mask set to its background colour;
    inside a bubble, clipped to the bubble's interior, so its outline is never touched."""
    out = image.copy()
    height, width = layout.mask.shape
    for block in layout.blocks:
        if block.erase != "fill":
            continue
        if block.bubble is not None:
            x0, y0, x1, y1 = block.bubble.box
            sel = (layout.mask[y0:y1, x0:x1] > 0) & (block.bubble.interior > 0)
            colour = block.bubble.fill
        else:
            x0, y0, x1, y1 = block.region(width, height)
            sel = layout.mask[y0:y1, x0:x1] > 0
            colour = block.background
        out[y0:y1, x0:x1][sel] = np.array(colour, np.uint8)
    return out
