"""The room of a block without a balloon, and what neighbouring blocks take from a room.

A block with no balloon gets its original text area with a small margin (widened sideways
for a vertical column, which a horizontal translation could never fill). On a flat background
it may also take the space around it up to the first outline or drawing (`open_region`).
Two blocks in one balloon split it halfway between them; rooms stop halfway to neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from workers.render.bubble import (
    COLOR_TOLERANCE,
    HOLDS,
    BoolArray,
    clamp_box,
    fill_small_holes,
    main_part,
    speck_size,
)
from workers.types import RGB, Block, Box, Bubble, Image

# Margin around a block without a bubble, as a share of its line height.
TEXT_MARGIN = 0.2
# A text column gets this much wider when there is no bubble (a share of its height, and at
# most this many times its own width).
WIDEN_HEIGHT_SHARE = 0.75
WIDEN_MAX_FACTOR = 2.0


def text_area(block: Block, others: Sequence[Box], width: int, height: int,
              *, widen: bool, reach: float = 0.0) -> Box:
    """The block's own box with a small margin (OCR boxes hug the ink), widened for a
    vertical column when `widen`, grown by `reach` line heights sideways and half that up and
    down, clear of the other blocks."""
    pad = round(TEXT_MARGIN * block.line_height)
    own = clamp_box(block.bbox, width, height)
    x0, y0, x1, y1 = own
    grown = clamp_box((x0 - pad, y0 - pad, x1 + pad, y1 + pad), width, height)
    if widen:
        grown = _widened(grown, width) or grown
    dx, dy = round(reach * block.line_height), round(reach * block.line_height / 2)
    if reach > 0:
        gx0, gy0, gx1, gy1 = grown
        grown = clamp_box((gx0 - dx, gy0 - dy, gx1 + dx, gy1 + dy), width, height)
    # A neighbour's room grows as far as this one's: a neighbour that close splits the space
    # between them, and each room stops short of the halfway line so that the two
    # translations never touch.
    return clamp_box(clear_of(grown, own, others, gap=pad, near=(pad + dx, pad + dy)),
                     width, height)


def open_region(image: Image, block: Block, area: Box, background: RGB) -> BoolArray | None:
    """Within `area` grown by half a line, the pixels of `background` connected to the
    block's text (an unclosed balloon, the page's margin): where lettering can go without
    running over an outline or the art. None when that is not more than the text's box."""
    h, w = image.shape[:2]
    pad = max(2, round(0.5 * block.line_height))
    x0, y0, x1, y1 = clamp_box((area[0] - pad, area[1] - pad, area[2] + pad, area[3] + pad),
                               w, h)
    bx0, by0, bx1, by1 = clamp_box(block.bbox, w, h)
    lo = tuple(max(0, c - COLOR_TOLERANCE) for c in background)
    hi = tuple(min(255, c + COLOR_TOLERANCE) for c in background)
    # The text's own box is only the seed: OCR boxes overlap the art around the letters.
    fine = cv2.inRange(image[y0:y1, x0:x1], lo, hi) > 0
    n, labels = cv2.connectedComponents(fine.astype(np.uint8), connectivity=4)
    lut = np.zeros(n, bool)
    lut[main_part(labels[max(0, by0 - y0) : by1 - y0, max(0, bx0 - x0) : bx1 - x0], n)] = True
    region = fill_small_holes(lut[labels], speck_size(block))
    # Only the part inside `area` proper: the pad lets the region's edge be measured.
    ax0, ay0, ax1, ay1 = area
    keep = np.zeros_like(region)
    keep[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = True
    region &= keep
    text = region[max(0, by0 - y0) : by1 - y0, max(0, bx0 - x0) : bx1 - x0]
    if text.sum() < HOLDS * (bx1 - bx0) * (by1 - by0) or region.sum() <= text.sum():
        return None
    out: BoolArray = region[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
    return out


def clear_of(box: Box, own: Box, others: Sequence[Box], *, gap: int = 0,
             near: tuple[int, int] = (0, 0)) -> Box:
    """`box` shrunk so that it stops `gap` pixels short of halfway between `own` and each
    other block it reaches, or comes within `near` (x, y) pixels of; never inside `own`."""
    x0, y0, x1, y1 = box
    ox0, oy0, ox1, oy1 = own
    nx, ny = near
    for bx0, by0, bx1, by1 in others:
        if bx0 - nx >= x1 or bx1 + nx <= x0 or by0 - ny >= y1 or by1 + ny <= y0:
            continue
        # Candidate cuts, one per side the other block lies on; keep the one losing least area.
        cuts: list[tuple[int, Box]] = []
        if bx0 >= ox1:
            nx1 = max(ox1, (ox1 + bx0) // 2 - gap)
            cuts.append(((x1 - nx1) * (y1 - y0), (x0, y0, nx1, y1)))
        if bx1 <= ox0:
            nx0 = min(ox0, (ox0 + bx1 + 1) // 2 + gap)
            cuts.append(((nx0 - x0) * (y1 - y0), (nx0, y0, x1, y1)))
        if by0 >= oy1:
            ny1 = max(oy1, (oy1 + by0) // 2 - gap)
            cuts.append(((y1 - ny1) * (x1 - x0), (x0, y0, x1, ny1)))
        if by1 <= oy0:
            ny0 = min(oy0, (oy0 + by1 + 1) // 2 + gap)
            cuts.append(((ny0 - y0) * (x1 - x0), (x0, ny0, x1, y1)))
        if cuts:
            x0, y0, x1, y1 = min(cuts, key=lambda c: c[0])[1]
    return (x0, y0, x1, y1)


def shared_cut(bubble: Bubble, own: Box, others: Sequence[Box]) -> Box:
    """The part of `bubble`'s box that belongs to `own` when other blocks' centres lie in the
    same bubble (OCR split one balloon's text into several blocks)."""
    bx0, by0, bx1, by1 = bubble.box
    inside = []
    for o in others:
        cx, cy = (o[0] + o[2]) // 2, (o[1] + o[3]) // 2
        if bx0 <= cx < bx1 and by0 <= cy < by1 and bubble.interior[cy - by0, cx - bx0]:
            inside.append(o)
    return clear_of(bubble.box, own, inside)


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


def overlap_cut(box: Box, own: Box, others: Sequence[Box]) -> Box:
    """`box` cut halfway between `own`'s centre and the centre of each other block whose box
    overlaps `own` (page analysis split one balloon's text into overlapping blocks): across
    the axis on which the two centres lie farther apart."""
    x0, y0, x1, y1 = box
    cx, cy = (own[0] + own[2]) / 2, (own[1] + own[3]) / 2
    for o in others:
        if o[0] >= own[2] or o[2] <= own[0] or o[1] >= own[3] or o[3] <= own[1]:
            continue
        dx, dy = (o[0] + o[2]) / 2 - cx, (o[1] + o[3]) / 2 - cy
        if max(abs(dx), abs(dy)) < 2:
            continue  # the same place: nothing tells which half is whose
        if abs(dx) / max(1, own[2] - own[0] + o[2] - o[0]) >= abs(dy) / max(
                1, own[3] - own[1] + o[3] - o[1]):
            mid = round(cx + dx / 2)
            x0, x1 = (x0, min(x1, mid)) if dx > 0 else (max(x0, mid), x1)
        else:
            mid = round(cy + dy / 2)
            y0, y1 = (y0, min(y1, mid)) if dy > 0 else (max(y0, mid), y1)
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))
