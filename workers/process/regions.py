"""The flat region a line of text sits on, and whether an outline encloses it (a bubble).

Around text on one flat colour, the pixels of that colour that are connected to the gaps
between the glyphs (4-connected, so a one-pixel diagonal outline still separates) form the
region; the glyphs are holes in it. An opening by about half a line cuts off what hangs on
by a narrow neck (a tail, or a leak through a gap in the outline into the white of the art
next to it); what is left around the text is the body. When the body stops before the
edges of a search window around the text, an outline encloses it: a speech bubble or a
caption box. Near the lines, the interior is closed over strokes that touch the outline,
so a fill clipped to the interior erases them but never reaches the outline itself.

The window grows until the body fits or a cap is reached (a big bubble around a short
line); a body that still runs into the window's edge is open (text on a plain page margin,
a sky): flat, but not enclosed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from workers.process.colours import similar
from workers.types import RGB, Box, Image, u8

Bool = npt.NDArray[np.bool_]

# The window starts at the text box plus this many line heights, and doubles up to the cap.
START_PAD_LINES = 2.0
MAX_PAD_LINES = 12.0
GROWTH_STEPS = 3
# Holes at most this many line heights across are glyphs (filled before necks are cut).
HOLE_LINES = 2.0
# Necks narrower than this many line heights are cut off the body.
NECK_LINES = 0.8
# An enclosed region is a bubble only when it is not much bigger than its text: a white
# panel around a small line is a panel, not a bubble.
MAX_AREA_PER_TEXT = 40.0
# An enclosed region must hold this share of its line box: text with a light outline on
# art makes small enclosed islands that hug the glyphs and leave the box's corners out.
MIN_BOX_INSIDE = 0.9
# Strokes touching the outline are closed over with a disc this many line heights wide,
# within this many line heights of the lines.
CLOSE_LINES = 0.3
CLOSE_NEAR_LINES = 0.3


@dataclass(slots=True)
class Region:
    """The flat region around some text, in page pixels over `box`."""

    box: Box
    # The region's own pixels (the fill colour), and its interior (holes filled, necks cut,
    # closed over strokes near the text).
    flat: Bool
    interior: Bool
    enclosed: bool
    fill: RGB

    def contains(self, x: int, y: int) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= x < x1 and y0 <= y < y1 and bool(self.interior[y - y0, x - x0])


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


def _largest_hit(mask: Bool, seeds: Bool, connectivity: int) -> Bool | None:
    """The component of `mask` holding most of the seed pixels."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=connectivity)
    hits = np.bincount(labels[seeds & mask], minlength=count)
    if count < 2 or hits[1:].max(initial=0) == 0:
        return None
    out: Bool = labels == int(np.argmax(hits[1:])) + 1
    return out


def _touches(mask: Bool, window: Box, width: int, height: int) -> bool:
    """Whether the mask reaches a window edge that is not the page's edge."""
    x0, y0, x1, y1 = window
    return bool((x0 > 0 and mask[:, 0].any()) or (y0 > 0 and mask[0].any())
                or (x1 < width and mask[:, -1].any()) or (y1 < height and mask[-1].any()))


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


def _body(filled: Bool, seeds: Bool, line_height: float) -> Bool | None:
    """`filled` without what hangs on by a neck narrower than NECK_LINES: the component of
    its opening that holds the text, grown back to its own edges."""
    r = max(2.0, NECK_LINES * line_height / 2)
    core = _largest_hit(erode(filled, r), seeds, 4)
    if core is None:
        return None
    out: Bool = filled & dilate(core, r + 1)
    return out


def find_region(image: Image, seeds: Sequence[Box], line_height: float, fill: RGB,
                text_area: int, bubble: Box | None = None) -> Region:
    """The region of colour `fill` around the text in `seeds` (its line boxes). `bubble`:
    where a detector saw the bubble; the region is looked for in it, and is enclosed
    (clipped to it) even where its outline has a gap."""
    height, width = image.shape[:2]
    text = (min(b[0] for b in seeds), min(b[1] for b in seeds),
            max(b[2] for b in seeds), max(b[3] for b in seeds))
    if bubble is not None:
        return _in_bubble(image, seeds, line_height, fill, grow(bubble, 3, width, height))
    span = max(text[2] - text[0], text[3] - text[1])
    pad = round(max(START_PAD_LINES * line_height, 0.5 * span))
    cap = round(max(MAX_PAD_LINES * line_height, 2 * span))
    body: Bool | None = None
    for _ in range(GROWTH_STEPS):
        window = grow(text, pad, width, height)
        shape = (window[3] - window[1], window[2] - window[0])
        flat = similar(image, window, fill)
        inner = box_mask(shape, window[:2], seeds, inset=True)
        component = _largest_hit(flat, inner, 4)
        if component is None:
            break
        reach = round(line_height)
        filled = fill_holes(component, (text[0] - window[0] - reach, text[1] - window[1] - reach,
                                        text[2] - window[0] + reach, text[3] - window[1] + reach),
                            round(HOLE_LINES * line_height))
        body = _body(filled, inner, line_height)
        if body is None or not _touches(body, window, width, height) or pad >= cap:
            break
        pad = min(cap, pad * 2)
    if body is None:
        empty = np.zeros((window[3] - window[1], window[2] - window[0]), bool)
        return Region(window, empty, empty, False, fill)
    enclosed = not _touches(body, window, width, height) and \
        _page_edges(body, window, width, height) < 3 and _plausible(body, window, text, text_area)
    # The neck is cut: now every hole of the body is its own (other lines' glyphs too).
    return _finish(window, flat, fill_holes(body) if enclosed else filled, enclosed, fill,
                   seeds, line_height)


def _finish(window: Box, flat: Bool, interior: Bool, enclosed: bool, fill: RGB,
            seeds: Sequence[Box], line_height: float) -> Region:
    """The region with its interior closed over strokes near the lines, cut to size."""
    reach = round(CLOSE_NEAR_LINES * line_height)
    r = max(1.0, CLOSE_LINES * line_height / 2)
    # Only near the lines: the closing is computed on their box, not the whole window.
    h, w = interior.shape
    sx0, sy0, sx1, sy1 = grow((min(b[0] for b in seeds) - window[0],
                               min(b[1] for b in seeds) - window[1],
                               max(b[2] for b in seeds) - window[0],
                               max(b[3] for b in seeds) - window[1]), reach + round(2 * r) + 1,
                              w, h)
    part = interior[sy0:sy1, sx0:sx1]
    near = box_mask(part.shape, (window[0] + sx0, window[1] + sy0), seeds, reach)
    interior = interior.copy()
    interior[sy0:sy1, sx0:sx1] = part | (erode(dilate(part, r), r) & near)
    return _crop_to(Region(window, flat & interior, interior, enclosed, fill))


def _in_bubble(image: Image, seeds: Sequence[Box], line_height: float, fill: RGB,
               window: Box) -> Region:
    """The region inside a detected bubble's box (`window`, page pixels)."""
    shape = (window[3] - window[1], window[2] - window[0])
    flat = similar(image, window, fill)
    inner = box_mask(shape, window[:2], seeds, inset=True)
    component = _largest_hit(flat, inner, 4)
    if component is None:
        empty = np.zeros(shape, bool)
        return Region(window, empty, empty, False, fill)
    filled = fill_holes(component)
    body = _body(filled, inner, line_height)
    interior = filled if body is None else body
    if _touches(interior, (1, 1, window[2] - window[0] - 1, window[3] - window[1] - 1),
                shape[1], shape[0]):
        # The outline has a gap and the region leaked to the box's edges: keep what lies in
        # the ellipse the box was drawn around.
        oval = np.zeros(shape, np.uint8)
        cv2.ellipse(oval, (shape[1] // 2, shape[0] // 2), (shape[1] // 2, shape[0] // 2),
                    0, 0, 360, 1, -1)
        interior = interior & (oval > 0)
    return _finish(window, flat, interior, True, fill, seeds, line_height)


def _page_edges(mask: Bool, window: Box, width: int, height: int) -> int:
    """How many of the page's edges the mask runs along: a bubble cut by the page's edge
    touches one or two, the page's own background three or four."""
    x0, y0, x1, y1 = window
    return sum((x0 == 0 and bool(mask[:, 0].any()), y0 == 0 and bool(mask[0].any()),
                x1 == width and bool(mask[:, -1].any()), y1 == height and bool(mask[-1].any())))


def _plausible(body: Bool, window: Box, text: Box, text_area: int) -> bool:
    """Whether an enclosed body is the size of a bubble around this text."""
    area = int(body.sum())
    if area > MAX_AREA_PER_TEXT * max(text_area, 1):
        return False
    x0, y0 = text[0] - window[0], text[1] - window[1]
    part = body[max(0, y0): max(0, text[3] - window[1]), max(0, x0): max(0, text[2] - window[0])]
    return bool(part.size) and float(part.mean()) >= MIN_BOX_INSIDE


def _crop_to(region: Region) -> Region:
    """The region cut down to its interior's bounding box (smaller masks to carry)."""
    bx, by, bw, bh = cv2.boundingRect(region.interior.astype(np.uint8))
    if bw == 0 or bh == 0:
        return region
    bx0, by0, bx1, by1 = bx, by, bx + bw, by + bh
    x0, y0 = region.box[0], region.box[1]
    return Region((x0 + bx0, y0 + by0, x0 + bx1, y0 + by1),
                  region.flat[by0:by1, bx0:bx1], region.interior[by0:by1, bx0:bx1],
                  region.enclosed, region.fill)
