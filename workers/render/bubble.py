"""Finding a block's balloon on the erased page when page analysis gave it none.

Page analysis gives a block its bubble (`Block.bubble`: interior mask and outline). Where it
gave none and the block sat on a flat background (`erase == "fill"`), the bubble is looked for
on the erased page: the region of the block's background colour connected to it (found on a
downscaled copy for speed, then traced at full resolution), when that region is closed by an
outline, compact enough to be a balloon rather than a panel's background wrapped around a
figure, and not the page's own margin. Blocks with no bubble: see `region.py`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import RGB, Block, Box, Bubble, Image, Polygon, u8

# Largest side of the downscaled search window, in pixels.
_WORK_SIDE = 144
# Per-channel difference still counted as the bubble's colour (JPEG noise, faint tone).
COLOR_TOLERANCE = 28
# A balloon fills most of its convex hull; a panel's background around a figure does not.
MIN_SOLIDITY = 0.7
# Pockets smaller than this share of the region are leftovers inside the balloon (specks,
# glyph fragments) and count as interior; larger ones are drawings and stay out.
HOLE_SHARE = 0.04
# Share of the text's box that the region must cover to be the text's room.
HOLDS = 0.6
# Share of an inpainted text area in one colour for it to count as a flat background.
FLAT_SHARE = 0.9
# Half the widest gap in a balloon's outline that still closes it, in pixels.
SEAL = 5
# ... and at least this share of the glyph size: a balloon's tail left open onto the panel.
NECK_SHARE = 0.4

BoolArray = npt.NDArray[np.bool_]


def clamp_box(box: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    x0, x1 = max(0, min(x0, width - 1)), max(0, min(x1, width))
    y0, y1 = max(0, min(y0, height - 1)), max(0, min(y1, height))
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


def flat_color(image: Image, block: Block) -> RGB | None:
    """The colour the block's text sat on when that was one colour: the analysed background
    of a flat block, else the erased text area's dominant colour when it is nearly all of
    it (the inpainter left a clean patch); None on art."""
    if block.erase == "fill":
        return block.background
    h, w = image.shape[:2]
    x0, y0, x1, y1 = clamp_box(block.bbox, w, h)
    step = max(1, round(math.sqrt((x1 - x0) * (y1 - y0) / 1024)))
    px = image[y0:y1:step, x0:x1:step].reshape(-1, 3).astype(np.int32)
    if len(px) == 0:
        return None
    med = np.median(px, axis=0)
    near = np.abs(px - med).max(axis=1) <= COLOR_TOLERANCE
    if near.mean() < FLAT_SHARE:
        return None
    r, g, b = (int(v) for v in med)
    return (r, g, b)


def find_bubble(image: Image, block: Block) -> Bubble | None:
    """The balloon around `block` on the erased `image`, or None (see the module doc)."""
    background = flat_color(image, block)
    if background is None:
        return None
    h, w = image.shape[:2]
    box = clamp_box(block.bbox, w, h)
    x0, y0, x1, y1 = box
    # Bubbles are often much larger than their text ("OK!" in a big balloon), so the search
    # window grows until it holds the whole bubble; starting small keeps the common case cheap.
    longest = max(x1 - x0, y1 - y0)
    max_reach = max(3 * longest, min(w, h) // 3)
    reach = min(max_reach, longest // 2 + 16)
    while True:
        window = (max(0, x0 - reach), max(0, y0 - reach), min(w, x1 + reach), min(h, y1 + reach))
        found = _coarse_region(image, box, window, background)
        if not isinstance(found, str):
            break
        if reach >= max_reach:
            return None
        reach = min(max_reach, reach * 2)
    if found is None:
        return None
    coarse, f = found
    return _traced(image, box, window, coarse, f, background, speck_size(block))


def _coarse_region(image: Image, box: Box, window: Box,
                   background: RGB) -> tuple[BoolArray, int] | Literal["grow"] | None:
    """The downscaled region of `background` connected to `box` inside `window`; "grow" when
    it reaches the window's edge where the page goes on; None when there is no bubble."""
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
    return region, f


def _traced(image: Image, box: Box, window: Box, coarse: BoolArray, f: int,
            background: RGB, speck: int) -> Bubble | None:
    """The coarse region traced at full resolution, as a Bubble."""
    wx0, wy0, wx1, wy1 = window
    ww, wh = wx1 - wx0, wy1 - wy0
    up = np.repeat(np.repeat(coarse, f, axis=0), f, axis=1)[:wh, :ww].astype(np.uint8)
    # Cells were counted only when all their pixels matched: the true edge is up to a cell out.
    near = cv2.dilate(up, np.ones((2 * f + 1, 2 * f + 1), np.uint8))
    lo = tuple(max(0, c - COLOR_TOLERANCE) for c in background)
    hi = tuple(min(255, c + COLOR_TOLERANCE) for c in background)
    fine = (cv2.inRange(image[wy0:wy1, wx0:wx1], lo, hi) > 0) & (near > 0)
    x0, y0, x1, y1 = box
    # A neck narrower than the text's glyphs is no part of the balloon it belongs to.
    seal = max(SEAL, round(NECK_SHARE * speck))
    region = fill_small_holes(
        _sealed_component(fine, (x0 - wx0, y0 - wy0, x1 - wx0, y1 - wy0), seal), speck)
    area = int(region.sum())
    # The balloon holds the text: most of the text's box (OCR boxes overhang a little).
    if region[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0].sum() < HOLDS * (x1 - x0) * (y1 - y0):
        return None
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.contourArea(cv2.convexHull(outline))
    if hull <= 0 or area / hull < MIN_SOLIDITY:
        return None
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    bx0, by0, bx1, by1 = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
    interior = np.where(region[by0:by1, bx0:bx1], 255, 0).astype(np.uint8)
    simple = cv2.approxPolyDP(outline, 1.0, True).reshape(-1, 2)
    polygon: Polygon = tuple((int(x) + wx0, int(y) + wy0) for x, y in simple)
    return Bubble((bx0 + wx0, by0 + wy0, bx1 + wx0, by1 + wy0), interior, polygon, background)


def _sealed_component(fine: BoolArray, seed: Box, seal: int) -> BoolArray:
    """The part of `fine` connected to the `seed` box, where gaps and necks up to 2 * `seal`
    px wide count as closed: outlines drawn thin or faded by JPEG, and a tail left open onto
    the panel, would otherwise let a balloon flood the panel around it."""
    kernel = np.ones((2 * seal + 1, 2 * seal + 1), np.uint8)
    core = u8(cv2.erode(fine.astype(np.uint8), kernel))
    x0, y0, x1, y1 = seed
    core[y0:y1, x0:x1] = np.maximum(core[y0:y1, x0:x1], fine[y0:y1, x0:x1])
    n, labels = cv2.connectedComponents(core, connectivity=4)
    lut = np.zeros(n, np.uint8)
    lut[main_part(labels[y0:y1, x0:x1], n)] = 1
    main = lut[labels]
    grown = (cv2.dilate(main, kernel) > 0) & fine
    # Growing back reaches over a thin outline into the white outside it: keep only what
    # still connects to the core.
    n, labels = cv2.connectedComponents(grown.astype(np.uint8), connectivity=4)
    lut = np.zeros(n, bool)
    lut[main_part(np.where(main > 0, labels, 0), n)] = True
    out: BoolArray = lut[labels]
    return out


def main_part(labels: npt.NDArray[Any], n: int) -> int:
    """The component covering most of the text's box (0 when none does). A block whose text
    spans two balloons (grouped as one) is lettered in the larger part, not across both."""
    counts = np.bincount(labels.ravel(), minlength=n)
    counts[0] = 0
    return int(counts.argmax())


def speck_size(block: Block) -> int:
    """The longest pocket inside a balloon still taken for a speck: about a glyph."""
    return max(6, round(block.line_height))


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


def fill_small_holes(region: BoolArray, max_side: int) -> BoolArray:
    """Region plus the small pockets it encloses (see HOLE_SHARE) that are no longer than
    `max_side` either way: specks and glyph leftovers, not a stroke of the art or the end of
    an outline standing free inside the white."""
    h, w = region.shape
    # Flood the outside from a one-cell frame; whatever it cannot reach is region or hole.
    outside = np.zeros((h + 2, w + 2), np.uint8)
    outside[1:-1, 1:-1] = region
    flood_mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(outside, flood_mask, (0, 0), 2, flags=4)
    holes = (outside[1:-1, 1:-1] == 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    limit = HOLE_SHARE * max(1, int(region.sum()))
    small = np.zeros(n, bool)
    small[1:] = ((stats[1:, cv2.CC_STAT_AREA] <= limit)
                 & (stats[1:, cv2.CC_STAT_WIDTH] <= max_side)
                 & (stats[1:, cv2.CC_STAT_HEIGHT] <= max_side))
    filled: BoolArray = region | small[labels]
    return filled
