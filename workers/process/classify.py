"""Flat or textured: does a block need the inpainting model?

Most speech bubbles are one flat colour around the text. Filling the mask with that colour is
exact and costs nothing, so only blocks over art, gradients or screentone go to the model.

What decides is a thin ring just outside the glyphs (a third of a line wide), not the block's
whole box: text in a tight bubble has the bubble's outline within half a line of it, and
counting the outline made most bubbles look textured.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.types import RGB, Block, EraseKind, Image, Mask

# A pixel within this colour distance of the median counts as "the background colour".
NEAR = 24
# Share of the ring around the text that must be that one colour.
FLAT_SHARE = 0.9


def _ring(mask: Mask, block: Block, box: tuple[int, int, int, int]) -> np.ndarray:
    """Pixels within a third of a line outside this block's glyphs (inside `box`)."""
    x0, y0, x1, y1 = box
    text = mask[y0:y1, x0:x1] > 0
    own = np.zeros_like(text)
    for line in block.lines:
        lx0, ly0, lx1, ly1 = line.bbox
        own[max(0, ly0 - y0) : max(0, ly1 - y0), max(0, lx0 - x0) : max(0, lx1 - x0)] = True
    r = max(2, round(block.line_height / 3))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    grown = cv2.dilate((text & own).astype(np.uint8), kernel) > 0
    return grown & ~text


def classify_block(image: Image, mask: Mask, block: Block) -> tuple[EraseKind, RGB]:
    height, width = mask.shape
    box = block.region(width, height)
    x0, y0, x1, y1 = box
    around = image[y0:y1, x0:x1][_ring(mask, block, box)]
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
