"""A region's shape: the `Bubble` handed on to erasing and lettering.

The polygon is the interior's outline simplified to within about a pixel and a half, with
the tail cut off (an opening a line wide removes it; a caption box has none, and keeps its
corners): lettering fits its lines to the polygon, and a line in the tail would be
unreadable. The interior mask keeps the tail, so erasing still reaches text that runs into
it. A region whose interior fills its rotated bounding rectangle is a caption box.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.morph import Bool, components, dilate, erode
from workers.process.regions import Region
from workers.types import Bubble, Mask, Point, Polygon

# The polygon stays within this many pixels of the interior's outline.
SIMPLIFY_PX = 1.5
# Interior / rotated bounding rectangle at or above this: a rectangle (a caption box).
RECTANGULAR = 0.93
# Parts narrower than this many line heights, or this share of the interior's short side,
# are cut off for the polygon (a tail, the spikes of a shout).
TAIL_LINES = 1.0
TAIL_SHARE = 0.3


def _largest_contour(mask: Bool) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    return max(contours, key=cv2.contourArea)


def _body(interior: Bool, line_height: float) -> Bool:
    """The interior without its tail, when the opening keeps most of it."""
    ys, xs = np.nonzero(interior)
    short = min(int(np.ptp(xs)), int(np.ptp(ys))) + 1 if len(xs) else 0
    r = max(2.0, TAIL_LINES * line_height / 2, TAIL_SHARE * short / 2)
    opened = dilate(erode(interior, r), r) & interior
    if opened.sum() < 0.8 * interior.sum():
        return interior
    count, labels, stats = components(opened, 4)
    if count < 2:
        return interior
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    out: Bool = labels == best
    return out


def polygon_of(mask: Bool, origin: tuple[int, int]) -> Polygon:
    contour = _largest_contour(mask)
    if contour is None:
        return ()
    approx = cv2.approxPolyDP(contour, SIMPLIFY_PX, True).reshape(-1, 2)
    ox, oy = origin
    points: tuple[Point, ...] = tuple((int(x) + ox, int(y) + oy) for x, y in approx)
    return points


def is_rectangle(interior: Bool) -> bool:
    contour = _largest_contour(interior)
    if contour is None:
        return False
    (_, _), (w, h), _ = cv2.minAreaRect(contour)
    return bool(w * h > 0 and float(interior.sum()) / (w * h) >= RECTANGULAR)


def make_bubble(region: Region, line_height: float) -> Bubble:
    interior: Mask = region.interior.astype(np.uint8) * 255
    # A caption box has no tail, and the opening would round its corners off: on a name
    # card a line tall, the polygon ran diagonally 8 px inside the paper's corner.
    body = region.interior if is_rectangle(region.interior) else \
        _body(region.interior, line_height)
    polygon = polygon_of(body, (region.box[0], region.box[1]))
    return Bubble(region.box, interior, polygon, region.fill)
