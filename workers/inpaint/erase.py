"""Erasing the text: flat fill where the background is one colour, the model elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.inpaint.base import Inpainter, InpaintItem
from workers.inpaint.crops import paste, to_model_size
from workers.types import Crop, Image, PageLayout


def apply_fills(image: Image, layout: PageLayout) -> Image:
    """A copy of the page with every flat block's text pixels set to its background colour."""
    out = image.copy()
    height, width = layout.mask.shape
    for block in layout.blocks:
        if block.erase != "fill":
            continue
        x0, y0, x1, y1 = block.region(width, height)
        sel = layout.mask[y0:y1, x0:x1] > 0
        out[y0:y1, x0:x1][sel] = np.array(block.background, np.uint8)
    return out


def inpaint_crops(target: Image, crops: Sequence[Crop], inpainter: Inpainter) -> None:
    """Run the model over the crops and paste the results into `target` in place."""
    if not crops:
        return
    items = [InpaintItem(*to_model_size(c)) for c in crops]
    for crop, filled in zip(crops, inpainter.inpaint(items), strict=True):
        paste(target, crop, filled)
