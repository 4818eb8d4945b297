"""Flat or textured: does a block need the inpainting model?

Most speech bubbles are one flat colour around the text. Filling the mask with that colour is
exact and costs nothing, so only blocks over art, gradients or screentone go to the model.
"""

from __future__ import annotations

import numpy as np

from workers.types import RGB, Block, EraseKind, Image, Mask

# A pixel within this colour distance of the median counts as "the background colour".
NEAR = 24
# Share of background pixels around the text that must be that one colour.
FLAT_SHARE = 0.93


def classify_block(image: Image, mask: Mask, block: Block) -> tuple[EraseKind, RGB]:
    height, width = mask.shape
    x0, y0, x1, y1 = block.region(width, height)
    region = image[y0:y1, x0:x1]
    around = region[mask[y0:y1, x0:x1] == 0]
    if len(around) < 16:
        return "model", (255, 255, 255)
    median = np.median(around, axis=0)
    near = np.abs(around.astype(np.int16) - median).max(axis=1) <= NEAR
    background: RGB = (int(median[0]), int(median[1]), int(median[2]))
    if near.mean() >= FLAT_SHARE:
        # The mean of the near pixels is a better fill than the median on JPEG noise.
        mean = around[near].mean(axis=0)
        return "fill", (int(mean[0]), int(mean[1]), int(mean[2]))
    return "model", background
