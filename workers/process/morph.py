"""Morphology on boolean masks: the shapes the analysis grows, shrinks and fills.

Growing and shrinking go by distance transform, whose cost does not grow with the radius as
a kernel's does: a region a hundred pixels across is opened as fast as a letter.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Box, u8

Bool = npt.NDArray[np.bool_]


def grow(box: Box, pad: int, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    return (max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad))


def disc(radius: int) -> npt.NDArray[np.uint8]:
    r = max(1, radius)
    return u8(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))


def box_mask(shape: tuple[int, int], origin: tuple[int, int], boxes: Sequence[Box],
             pad: int = 0, inset: bool = False) -> Bool:
    """The boxes (grown by `pad`, or shrunk by a sixth of their short side with `inset`)
    drawn on an array of `shape` whose corner is `origin` in page pixels."""
    out = np.zeros(shape, bool)
    ox, oy = origin
    for x0, y0, x1, y1 in boxes:
        d = -max(1, min(x1 - x0, y1 - y0) // 6) if inset else pad
        out[max(0, y0 - d - oy): max(0, y1 + d - oy), max(0, x0 - d - ox): max(0, x1 + d - ox)] \
            = True
    return out


def fill_holes(component: Bool, text: Box | None = None, glyph_px: int = 0) -> Bool:
    """The component with its holes (parts of its complement not reaching the border)
    filled. With `text` (the lines' box, in the component's pixels), only the holes that
    lie in it or are at most `glyph_px` across: glyphs. A bigger hole is structure, e.g. a
    bubble's outline with a gap in it, which the component surrounds on both sides;
    filled, it would hide the gap's neck."""
    h, w = component.shape
    outside = np.ones((h + 2, w + 2), np.uint8)
    outside[1:-1, 1:-1] = (~component).astype(np.uint8)
    flood = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 2, flags=8)
    holes = outside[1:-1, 1:-1] == 1
    if text is not None:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8),
                                                               connectivity=8)
        x0, y0, x1, y1 = text
        left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
        w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
        fits = ((left >= x0) & (top >= y0) & (left + w <= x1) & (top + h <= y1)) \
            | ((w <= glyph_px) & (h <= glyph_px))
        fits[0] = False
        holes = fits[labels]
    out: Bool = component | holes
    return out


def dilate(mask: Bool, radius: float) -> Bool:
    """`mask` grown by a disc of `radius`: by distance transform, whose cost does not grow
    with the radius as a kernel's does."""
    dist = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)
    out: Bool = dist <= radius
    return out


def erode(mask: Bool, radius: float) -> Bool:
    """`mask` shrunk by a disc of `radius` (the array's edge does not erode: a region
    continues past it)."""
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    out: Bool = dist > radius
    return out
