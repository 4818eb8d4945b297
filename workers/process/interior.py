"""A bubble's interior near its text: closed over the strokes that touch the outline.

The interior is the bubble's own colour with the glyphs it surrounds filled in. A letter
that touches the outline is no hole (it joins the outline, and through it the page outside),
so erasing, clipped to the interior, would leave it. Two steps bring it in, near the lines
only:

- a closing a few pixels wide takes in thin strokes that touch the outline, but not the
  outline's own teeth: the inward teeth of a spiky (shouting) outline are as thin as a
  stroke, and the closing would take in a narrow one with the sliver of page inside it, or
  round off the tip of a wider one;
- any other stroke touching the outline from inside is told from the outline by depth: the
  outline is a band at most OUTLINE_LINES thick between the interior and the page beyond,
  so a pixel of a stroke further than that from everything outside the bubble lies inside
  it, and is the letter's. A shape that lies that deep away from the lines too is a line
  of the art running through the region (speed lines), and stays out.

Before that, the interior takes back the pieces of its own colour in its lines' boxes that
the region's opening cut off (`into_lines`): the white between speed lines hanging in among
the letters.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from workers.process.morph import Bool, box_mask, dilate, erode
from workers.types import RGB, Box, Image, box_area, grow_box, union_box

# Strokes touching the outline are closed over with a disc this many line heights wide,
# within this many line heights of the lines (no further than a glyph may reach:
# `workers.process.glyphs.BOX_SLACK`).
CLOSE_LINES = 0.3
CLOSE_NEAR_LINES = 0.2
# The thickest outline, in line heights (at least 3 px).
OUTLINE_LINES = 0.2
# The interior grows into its lines' boxes over pieces at most this far from its colour on
# average (paper grain and JPEG noise; a light grey beyond the outline is further).
SAME_FILL = 12
# ... of the lines with at least this share of their box inside it, and this many pixels
# around them.
HELD_SHARE = 0.3
INTO_LINES_PAD = 3


def _letters_on_outline(interior: Bool, near: Bool, line_height: float,
                        beyond: Bool) -> Bool:
    """The pixels near the lines, left out of the interior, that lie deeper inside the
    bubble than the outline is thick (from the page `beyond` it too: a narrow tooth of a
    spiky outline lies within an outline's width of the interior on both sides)."""
    thick = max(3.0, OUTLINE_LINES * line_height)
    # The bubble as far as an outline could reach: everything within an outline's width
    # of the interior. The outline lies in that rim; a letter it touches lies further in.
    bubble = dilate(interior, thick) & ~beyond
    depth = cv2.distanceTransform(bubble.astype(np.uint8), cv2.DIST_L2, 5)
    deep = bubble & ~interior & (depth > thick + 1)
    if not (deep & near).any():
        return deep & near
    # A shape that lies deep inside the bubble away from the lines too is a line of the
    # art running through it (speed lines, a prop), not a letter.
    count, labels = cv2.connectedComponents((~interior).astype(np.uint8), connectivity=8)
    through = np.bincount(labels[deep & ~near], minlength=count) > 0
    out: Bool = deep & near & ~through[labels]
    return out


def _beyond(interior: Bool, flat: Bool, thick: float) -> Bool:
    """The page's ground outside the outline: pixels of the region's colour off the
    interior, in shapes that reach further from it than twice an outline is thick (the
    counter of a letter that touches the outline stays near the interior)."""
    off = flat & ~interior
    count, labels = cv2.connectedComponents(off.astype(np.uint8), connectivity=4)
    far = np.zeros(count, bool)
    far[labels[off & ~dilate(interior, 2 * thick)]] = True
    far[0] = False
    out: Bool = far[labels]
    return out


def _not_across(part: Bool, closed: Bool, beyond: Bool, thick: float) -> Bool:
    """`closed` without the shapes the closing added that are the outline's: those that
    touch the page beyond it (closed over a narrow tooth) or have no pixel further from it
    than the thickest outline (the rounded tip of a wider tooth). A letter's stroke runs
    on into the bubble past that."""
    added = closed & ~part
    if not added.any() or not beyond.any():
        return closed
    # Depths up to the thickest outline decide: only the page beyond within that of the
    # added shapes is looked at.
    x, y, w, h = cv2.boundingRect(added.astype(np.uint8))
    x0, y0, x1, y1 = grow_box((x, y, x + w, y + h), int(thick) + 3, part.shape[1],
                              part.shape[0])
    shapes, page = added[y0:y1, x0:x1], beyond[y0:y1, x0:x1]
    if not page.any():
        return closed
    count, found = cv2.connectedComponents(shapes.astype(np.uint8), connectivity=8)
    labels = np.asarray(found, np.int32)
    depth = np.asarray(cv2.distanceTransform((~page).astype(np.uint8), cv2.DIST_L2, 5),
                       np.float32)
    deepest = np.zeros(count, np.float32)
    np.maximum.at(deepest, labels[shapes], depth[shapes])
    outline = deepest <= thick + 1
    touching = shapes & dilate(page, 1)
    outline[labels[touching]] = True
    outline[0] = False
    out = closed.copy()
    out[y0:y1, x0:x1] &= ~outline[labels]
    return out


def close_over_letters(interior: Bool, flat: Bool, window: Box, lines: Sequence[Box],
                       line_height: float, enclosed: bool = True) -> Bool:
    """`interior` (over `window`, page pixels) with the strokes near `lines` that touch
    the outline taken in (only the closing when the region is not `enclosed`: there is no
    outline to tell them from). `flat`: the pixels of the region's colour over `window`,
    where the page beyond the outline is looked for."""
    reach = round(CLOSE_NEAR_LINES * line_height)
    r = max(1.0, CLOSE_LINES * line_height / 2)
    thick = max(3.0, OUTLINE_LINES * line_height)
    # Only near the lines: the work is done on their box, not the whole window.
    h, w = interior.shape
    margin = reach + round(2 * max(r, thick)) + 2
    tx0, ty0, tx1, ty1 = union_box(lines)
    sx0, sy0, sx1, sy1 = grow_box((tx0 - window[0], ty0 - window[1], tx1 - window[0],
                                   ty1 - window[1]), margin, w, h)
    part = interior[sy0:sy1, sx0:sx1]
    near = box_mask(part.shape, (window[0] + sx0, window[1] + sy0), lines, reach)
    closed = part | (erode(dilate(part, r), r) & near)
    # Without the page beyond the outline, the closing and the depth test take more, never
    # less: when neither takes anything, it need not be looked for.
    if enclosed and ((closed & ~part).any()
                     or _letters_on_outline(closed, near, line_height,
                                            np.zeros_like(part)).any()):
        # The page beyond is looked for a little past the lines' box only: a shape that
        # reaches further than twice an outline from the interior does so within that.
        g = round(2 * thick) + 2
        bx0, by0, bx1, by1 = grow_box((sx0, sy0, sx1, sy1), g, w, h)
        beyond = _beyond(interior[by0:by1, bx0:bx1], flat[by0:by1, bx0:bx1], thick)[
            sy0 - by0:sy1 - by0, sx0 - bx0:sx1 - bx0]
        closed = _not_across(part, closed, beyond, thick)
        closed |= _letters_on_outline(closed, near, line_height, beyond)
    out = interior.copy()
    out[sy0:sy1, sx0:sx1] = closed
    return out


def into_lines(image: Image, interior: Bool, flat: Bool, window: Box, fill: RGB,
               lines: Sequence[Box]) -> Bool:
    """`interior` (over `window`) grown over its own colour (`flat`, `fill`) in the boxes
    of the lines it holds (a share of the box inside): where art reaches in beside the
    letters (speed lines), the region's opening cut the strips between its strokes off as
    necks, and the letters there would stay. A piece only near the colour (the light grey
    page beyond an outline the lettering breaks) is not the interior's."""
    x0, y0, x1, y1 = window
    held = [b for b in lines
            if interior[max(0, b[1] - y0):max(0, b[3] - y0), max(0, b[0] - x0):max(0, b[2] - x0)]
            .sum() >= HELD_SHARE * box_area(b)]
    # A little past the boxes, to the interior the opening left beside them.
    near = box_mask(interior.shape, (x0, y0), held, INTO_LINES_PAD)
    extra = flat & near & ~interior
    if not extra.any():
        return interior
    # Only around the boxes: a piece joins the interior where it touches it, within a pixel.
    bx, by, bw, bh = cv2.boundingRect(near.astype(np.uint8))
    cx0, cy0, cx1, cy1 = grow_box((bx, by, bx + bw, by + bh), 1, x1 - x0, y1 - y0)
    part, inside = extra[cy0:cy1, cx0:cx1], interior[cy0:cy1, cx0:cx1]
    count, found = cv2.connectedComponents(part.astype(np.uint8), connectivity=4)
    labels = np.asarray(found, np.int32)
    off = np.abs(image[y0 + cy0:y0 + cy1, x0 + cx0:x0 + cx1].astype(np.int16)
                 - np.array(fill, np.int16)).max(axis=2)
    mean_off = np.bincount(labels[part], off[part], minlength=count) \
        / np.maximum(np.bincount(labels[part], minlength=count), 1)
    touching = part & dilate(inside, 1)
    joined = np.zeros(count, bool)
    joined[labels[touching]] = True
    take = joined & (mean_off <= SAME_FILL)
    take[0] = False
    out = interior.copy()
    out[cy0:cy1, cx0:cx1] |= take[labels]
    return out
