"""Morphology on boolean masks: the shapes the analysis grows, shrinks and fills.

Growing and shrinking go by distance transform, whose cost does not grow with the radius as
a kernel's does: a region a hundred pixels across is opened as fast as a letter.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Box, grow_box, u8

Bool = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int32]


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


def components(mask: Bool, connectivity: int = 8) -> tuple[int, Ints, Ints]:
    """Count, labels and stats table (`cv2.CC_STAT_*` columns) of the connected shapes of
    `mask`, as `cv2.connectedComponentsWithStats` gives them. The table is worked out from
    the shapes' own pixels: OpenCV's pass over every pixel of the array costs ten times the
    labelling, and the shapes are a small part of the windows the analysis looks at. The
    background's row (label 0) is left zero: no caller reads it."""
    fg = mask.astype(np.uint8)
    count, labels = cv2.connectedComponents(fg, connectivity=connectivity)
    h, w = mask.shape
    stats = np.zeros((count, 5), np.int32)
    points = cv2.findNonZero(fg)  # (x, y) of every shape pixel; None when there are none
    if points is not None:
        xy = points.reshape(-1, 2)
        xs, ys = xy[:, 0], xy[:, 1]
        which = labels[ys, xs]
        left, top = np.full(count, w, np.int32), np.full(count, h, np.int32)
        right, bottom = np.full(count, -1, np.int32), np.full(count, -1, np.int32)
        np.minimum.at(left, which, xs)
        np.minimum.at(top, which, ys)
        np.maximum.at(right, which, xs)
        np.maximum.at(bottom, which, ys)
        stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP] = left, top
        stats[:, cv2.CC_STAT_WIDTH] = right - left + 1
        stats[:, cv2.CC_STAT_HEIGHT] = bottom - top + 1
        stats[:, cv2.CC_STAT_AREA] = np.bincount(which, minlength=count)
    return count, np.asarray(labels, np.int32), stats


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
        _, labels, stats = components(holes)
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


def dilate_in(mask: Bool, radius: float, where: Bool) -> Bool:
    """`dilate(mask, radius) & where`, grown over `where`'s bounding box (and the radius
    around it) only: the distance transform's metric is never shorter than the chessboard
    distance, so no pixel further off reaches the box. A window's region is grown this way
    where only the few pixels near its letters are wanted."""
    out = np.zeros_like(where)
    x, y, w, h = cv2.boundingRect(where.astype(np.uint8))
    if w == 0 or h == 0:
        return out
    x0, y0, x1, y1 = grow_box((x, y, x + w, y + h), int(radius) + 2, mask.shape[1], mask.shape[0])
    near = dilate(mask[y0:y1, x0:x1], radius)[y - y0: y - y0 + h, x - x0: x - x0 + w]
    out[y:y + h, x:x + w] = near & where[y:y + h, x:x + w]
    return out
