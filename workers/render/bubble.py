"""The box a translation is fitted into.

A block's own box hugs the source lettering, which is often a poor shape for the translation
(a tall, narrow Japanese column translated into English). When the block sat on a flat
background (`erase == "fill"`), the speech bubble around it is found on the inpainted image (the
region of the block's background colour connected to it, on a downscaled copy for speed), kept
a margin away from its border, and the largest rectangle through the block's centre that fits
inside becomes the box. Boxes never grow into a neighbouring block: each side stops halfway to
it, so two blocks that grow towards each other cannot overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import RGB, Block, Box, Image

# Largest side of the downscaled search window, in pixels.
_WORK_SIDE = 144
# Per-channel difference still counted as the bubble's colour (JPEG noise, faint tone).
COLOR_TOLERANCE = 28
# Distance kept from the bubble's border, as a share of the bubble's smaller side.
BORDER_MARGIN = 0.07
# Margin around a block without a bubble, as a share of its line height.
TEXT_MARGIN = 0.2
# A text column gets this much wider when there is no bubble to measure (a share of its
# height, and at most this many times its own width).
WIDEN_HEIGHT_SHARE = 0.75
WIDEN_MAX_FACTOR = 2.0

BoolArray = npt.NDArray[np.bool_]


def clamp_box(box: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    x0, x1 = max(0, min(x0, width - 1)), max(0, min(x1, width))
    y0, y1 = max(0, min(y0, height - 1)), max(0, min(y1, height))
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


def fitting_box(
    inpainted: Image, block: Block, others: Sequence[Box], *, widen: bool = False
) -> Box:
    """Where to fit `block`'s translation: its bubble's interior, or else its own box with a
    small margin (widened sideways for a vertical column when `widen`), clear of the `others`
    blocks' boxes."""
    h, w = inpainted.shape[:2]
    own = clamp_box(block.bbox, w, h)
    grown: Box | None = None
    if block.erase == "fill":
        grown = bubble_rect(inpainted, own, block.background)
    if grown is None:
        # OCR boxes hug the ink; a translation fitted to exactly that would come out a size
        # smaller than the source lettering.
        pad = round(TEXT_MARGIN * block.line_height)
        x0, y0, x1, y1 = own
        grown = clamp_box((x0 - pad, y0 - pad, x1 + pad, y1 + pad), w, h)
        if widen:
            grown = _widened(grown, w) or grown
    return clamp_box(clear_of(grown, own, others), w, h)


def bubble_rect(image: Image, box: Box, background: RGB) -> Box | None:
    """The largest rectangle through `box`'s centre inside the `background`-coloured region
    around `box`, or None when that region is not a closed bubble."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    # Bubbles are often much larger than their text ("OK!" in a big balloon), so the search
    # window grows until it holds the whole bubble; starting small keeps the common case cheap.
    longest = max(x1 - x0, y1 - y0)
    max_reach = max(2 * longest, min(w, h) // 4)
    reach = min(max_reach, longest // 2 + 16)
    while True:
        window = (max(0, x0 - reach), max(0, y0 - reach), min(w, x1 + reach), min(h, y1 + reach))
        found = _bubble_in(image, box, window, background)
        if not isinstance(found, str):
            return found
        if reach >= max_reach:
            return None
        reach = min(max_reach, reach * 2)


def _bubble_in(
    image: Image, box: Box, window: Box, background: RGB
) -> Box | Literal["grow"] | None:
    """The bubble rectangle found inside `window`; "grow" when the bubble's colour reaches the
    window's edge where the page goes on (a larger window may close it); None when there is no
    bubble."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    wx0, wy0, wx1, wy1 = window
    close, f = _close_mask(image[wy0:wy1, wx0:wx1], background)
    sh, sw = close.shape
    bx0, by0 = (x0 - wx0) // f, (y0 - wy0) // f
    bx1, by1 = min(sw, -(-(x1 - wx0) // f)), min(sh, -(-(y1 - wy0) // f))
    n, labels = cv2.connectedComponents(close, connectivity=4)
    ids = np.unique(labels[by0:by1, bx0:bx1])
    ids = ids[ids > 0]
    if len(ids) == 0:
        return None
    lut = np.zeros(n, bool)
    lut[ids] = True
    region = lut[labels]
    touches = (region[0].any(), region[-1].any(), region[:, 0].any(), region[:, -1].any())
    page_edge = (wy0 == 0, wy1 == h, wx0 == 0, wx1 == w)
    if any(t and not p for t, p in zip(touches, page_edge, strict=True)):
        return "grow"
    # A bubble may be cut by one page edge (a webtoon slice boundary), but a region bounded
    # by two is the page's own background.
    if sum(touches) >= 2:
        return None
    region[by0:by1, bx0:bx1] = True
    region = _fill_holes(region)
    ys, xs = np.nonzero(region)
    margin = max(1, round(BORDER_MARGIN * min(np.ptp(xs) + 1, np.ptp(ys) + 1)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    allowed = cv2.erode(region.astype(np.uint8), kernel).astype(bool)
    # The source text sat inside the bubble, so its own box is always allowed.
    allowed[by0:by1, bx0:bx1] = True
    rx0, ry0, rx1, ry1 = largest_rect_through(allowed, (bx0 + bx1 - 1) // 2, (by0 + by1 - 1) // 2)
    out = (wx0 + rx0 * f, wy0 + ry0 * f, min(w, wx0 + rx1 * f), min(h, wy0 + ry1 * f))
    if (out[2] - out[0]) * (out[3] - out[1]) <= (x1 - x0) * (y1 - y0):
        return None
    return out


def _close_mask(window: Image, background: RGB) -> tuple[npt.NDArray[np.uint8], int]:
    """Downscaled mask (1 = background colour) of `window` and its scale factor. A cell counts
    only when all its pixels do, so a thin bubble outline survives the downscaling."""
    f = max(1, math.ceil(max(window.shape[:2]) / _WORK_SIDE))
    lo = tuple(max(0, c - COLOR_TOLERANCE) for c in background)
    hi = tuple(min(255, c + COLOR_TOLERANCE) for c in background)
    mask = cv2.inRange(window, lo, hi)
    if f > 1:
        # Min-pooling: erode over each f x f cell (anchored at its corner), keep one per cell.
        mask = cv2.erode(mask, np.ones((f, f), np.uint8), anchor=(0, 0))[::f, ::f]
    close: npt.NDArray[np.uint8] = (mask > 0).astype(np.uint8)
    return close, f


def largest_rect_through(allowed: BoolArray, cx: int, cy: int) -> Box:
    """The largest-area rectangle of True cells containing cell (cx, cy); exclusive ends."""
    h = allowed.shape[0]
    # Per row: the run of True cells that contains column cx.
    left_run = allowed[:, cx::-1]
    n_left = np.where(left_run.all(axis=1), left_run.shape[1], left_run.argmin(axis=1))
    right_run = allowed[:, cx:]
    n_right = np.where(right_run.all(axis=1), right_run.shape[1], right_run.argmin(axis=1))
    left = cx - n_left + 1
    right = cx + n_right  # exclusive
    ok = n_left > 0
    top = cy
    while top > 0 and ok[top - 1]:
        top -= 1
    bottom = cy + 1
    while bottom < h and ok[bottom]:
        bottom += 1
    # Rows above the centre (cy, cy-1, ..., top) and below (cy, ..., bottom-1): the run
    # common to all rows from the centre out to each row.
    up_l = np.maximum.accumulate(left[top : cy + 1][::-1])
    up_r = np.minimum.accumulate(right[top : cy + 1][::-1])
    dn_l = np.maximum.accumulate(left[cy:bottom])
    dn_r = np.minimum.accumulate(right[cy:bottom])
    lo = np.maximum(up_l[:, None], dn_l[None, :])
    hi = np.minimum(up_r[:, None], dn_r[None, :])
    rows = np.arange(len(up_l))[:, None] + np.arange(len(dn_l))[None, :] + 1
    area = np.clip(hi - lo, 0, None) * rows
    i, j = np.unravel_index(int(area.argmax()), area.shape)
    return (int(lo[i, j]), cy - int(i), int(hi[i, j]), cy + int(j) + 1)


def clear_of(box: Box, own: Box, others: Sequence[Box]) -> Box:
    """`box` shrunk so that it stops halfway between `own` and each other block it reaches."""
    x0, y0, x1, y1 = box
    ox0, oy0, ox1, oy1 = own
    for bx0, by0, bx1, by1 in others:
        if bx0 >= x1 or bx1 <= x0 or by0 >= y1 or by1 <= y0:
            continue
        # Candidate cuts, one per side the other block lies on; keep the one losing least area.
        cuts: list[tuple[int, Box]] = []
        if bx0 >= ox1:
            nx1 = max(ox1, (ox1 + bx0) // 2)
            cuts.append(((x1 - nx1) * (y1 - y0), (x0, y0, nx1, y1)))
        if bx1 <= ox0:
            nx0 = min(ox0, (ox0 + bx1 + 1) // 2)
            cuts.append(((nx0 - x0) * (y1 - y0), (nx0, y0, x1, y1)))
        if by0 >= oy1:
            ny1 = max(oy1, (oy1 + by0) // 2)
            cuts.append(((y1 - ny1) * (x1 - x0), (x0, y0, x1, ny1)))
        if by1 <= oy0:
            ny0 = min(oy0, (oy0 + by1 + 1) // 2)
            cuts.append(((ny0 - y0) * (x1 - x0), (x0, ny0, x1, y1)))
        if cuts:
            x0, y0, x1, y1 = min(cuts, key=lambda c: c[0])[1]
    return (x0, y0, x1, y1)


def _widened(own: Box, page_w: int) -> Box | None:
    x0, y0, x1, y1 = own
    bw, bh = x1 - x0, y1 - y0
    target = min(round(WIDEN_HEIGHT_SHARE * bh), round(WIDEN_MAX_FACTOR * bw))
    if target <= bw:
        return None
    extra = target - bw
    nx0 = max(0, x0 - extra // 2)
    nx1 = min(page_w, nx0 + target)
    nx0 = max(0, nx1 - target)
    return (nx0, y0, nx1, y1)


def _fill_holes(region: BoolArray) -> BoolArray:
    """Region plus the pockets it encloses (screentone specks, leftover glyph fragments)."""
    h, w = region.shape
    # Flood the outside from a one-cell frame; whatever it cannot reach is region or hole.
    outside = np.zeros((h + 2, w + 2), np.uint8)
    outside[1:-1, 1:-1] = region
    flood_mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(outside, flood_mask, (0, 0), 2, flags=4)
    filled: BoolArray = outside[1:-1, 1:-1] != 2
    return filled
