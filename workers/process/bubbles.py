"""Bubbles: the enclosed flat regions the lines sit in, and the colour to fill them with.

Each line on a flat colour looks for the region of that colour around it
(`workers.process.regions`); an enclosed one that holds nothing but lettering is a bubble
(or a caption box), shared by every line whose centre lies in it. A detector's bubble boxes,
when one ran, are trusted first.

An enclosed region holding several separate groups of lines, with art drawn into it from
its edge (far from convex), is a panel with text set on its white: its lines are read
block by block, not as one bubble, and never grouped with lines outside it. So is one
holding two groups whose edge runs straight along two sides of its box: a panel's corner
(or a caption box) with two texts in it, where a balloon's outline is curved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workers.process.colours import rgb
from workers.process.glyphs import Glyphs, flat_glyphs
from workers.process.grouping import group_lines
from workers.process.lines import line_size
from workers.process.morph import Bool, dilate
from workers.process.regions import Region, Searches, find_region
from workers.types import RGB, Box, Image, TextLine, box_area, grow_box

# Two fills further apart than this (per channel) are two different regions.
SAME_FILL = 40
# An enclosed region holding off-colour shapes that are not lettering (art, an inner
# outline) over this share of its glyph pixels is a panel or a patch of page, not a bubble.
MAX_STRAY_SHARE = 0.2
# Pixels this close to the median colour around the glyphs make the fill colour.
FILL_NOISE = 8
# A panel: an enclosed region holding at least this many separate groups of lines whose
# interior covers less than this share of its convex hull (a bubble, its tail cut off,
# is close to convex; a panel has art drawn into it from its border).
PANEL_GROUPS = 3
PANEL_SOLIDITY = 0.85
# ... or at least two groups in a region whose interior reaches this many sides of its box
# along this share of each (within a band of BAND_SHARE of the side, 3 px at least, for a
# page scanned a little askew).
PANEL_CORNER_GROUPS = 2
PANEL_STRAIGHT_SIDES = 2
STRAIGHT_SHARE = 0.85
BAND_SHARE = 0.03


@dataclass(slots=True)
class Bubbles:
    """What `find_bubbles` found: the bubbles, each line's bubble (index or None) and
    each line's panel (an index into `panels`, or None)."""

    regions: list[Region]
    owners: list[int | None]
    panels: list[Region]
    panel_of: list[int | None]


def centre(box: Box) -> tuple[int, int]:
    return (box[0] + box[2]) // 2, (box[1] + box[3]) // 2


def _near(a: RGB, b: RGB) -> bool:
    return max(abs(p - q) for p, q in zip(a, b, strict=True)) <= SAME_FILL


def _inside(box: Box, x: int, y: int) -> bool:
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _detected(image: Image, lines: Sequence[TextLine], fills: Sequence[RGB | None],
              hints: Sequence[Box], regions: list[Region], owners: list[int | None]) -> None:
    """Regions inside the bubbles a detector saw (smallest first, so a bubble inside a
    bigger one keeps its own lines)."""
    for box in sorted(hints, key=box_area):
        members = [i for i, ln in enumerate(lines)
                   if owners[i] is None and _inside(box, *centre(ln.bbox))]
        with_fill = [i for i in members if fills[i] is not None]
        if not with_fill:
            continue
        seed = max(with_fill, key=lambda i: box_area(lines[i].bbox))
        fill = fills[seed]
        if fill is None:
            continue
        boxes = [lines[i].bbox for i in members]
        region = find_region(image, boxes, line_size(lines[seed]), fill,
                             sum(box_area(b) for b in boxes), bubble=box)
        if region.enclosed:
            regions.append(region)
            for i in members:
                owners[i] = len(regions) - 1


def find_bubbles(image: Image, lines: Sequence[TextLine], fills: Sequence[RGB | None],
                 hints: Sequence[Box] = (), memo: Searches | None = None) -> Bubbles:
    """The enclosed regions the lines sit in, and each line's region (see `Bubbles`).
    `image`: the page, best denoised; `hints`: bubble boxes from a detector, trusted over
    the classical search; `memo`: where the searches around single lines are kept (the
    caller looks around a block of one line again)."""
    regions: list[Region] = []
    owners: list[int | None] = [None] * len(lines)
    panels: list[Region] = []
    panel_of: list[int | None] = [None] * len(lines)
    # The lines whose search found a panel around them.
    on_panel = [False] * len(lines)
    _detected(image, lines, fills, hints, regions, owners)

    # Big lines first: their region is found once and the small ones fall in it.
    order = sorted(range(len(lines)), key=lambda i: -box_area(lines[i].bbox))
    for i in order:
        if owners[i] is not None:
            continue
        fill = fills[i]
        if fill is None:
            continue
        line = lines[i]
        owners[i] = _bubble_at(regions, line, fill)
        if owners[i] is not None:
            continue
        size = line_size(line)
        region = find_region(image, [line.bbox], size, fill, box_area(line.bbox),
                             others=[ln.bbox for ln in lines], memo=memo)
        if not region.enclosed:
            continue
        if is_panel(region, lines):
            on_panel[i] = True
            if not any(p.box == region.box for p in panels):
                panels.append(region)
        elif any(on_panel[j] for j in held(region, lines)):
            # A line whose own search found a panel is in it: this is the same white, seen
            # from nearer (a search finds a little less around another line), not a bubble.
            on_panel[i] = True
        elif is_bubble(region, lines, size):
            regions.append(region)
            owners[i] = len(regions) - 1

    # Lines whose own box was not one colour (columns set close together) still belong to
    # the bubble their centre lies in; so do lines searched before that bubble was found
    # (bigger lines go first) whose own search came to nothing (it stopped on a spike of
    # the outline): the bubble was judged with them inside it.
    for i, line in enumerate(lines):
        if owners[i] is None and not on_panel[i]:
            owners[i] = _bubble_at(regions, line, fills[i])
    # A line on a panel's white is the panel's only once it has no bubble of its own: the
    # panel around a bubble contains the bubble's lines too.
    for i, line in enumerate(lines):
        if owners[i] is None:
            cx, cy = centre(line.bbox)
            inside = [k for k, p in enumerate(panels) if p.contains(cx, cy)]
            if inside:
                panel_of[i] = min(inside, key=lambda k: box_area(panels[k].box))
    return Bubbles(regions, owners, panels, panel_of)


def held(region: Region, lines: Sequence[TextLine]) -> list[int]:
    """The indices of the lines whose centre lies in the region."""
    return [i for i, ln in enumerate(lines) if region.contains(*centre(ln.bbox))]


def _bubble_at(regions: Sequence[Region], line: TextLine, fill: RGB | None) -> int | None:
    """The first of the bubbles the line's centre lies in, of a fill near the line's (of
    any fill for a line whose box is not one colour), or None."""
    cx, cy = centre(line.bbox)
    return next((j for j, r in enumerate(regions) if r.contains(cx, cy)
                 and (fill is None or _near(r.fill, fill))), None)


def fill_near(image: Image, region: Region, glyphs: Glyphs, line_height: float) -> RGB:
    """The colour of the region's own pixels within half a line of the glyphs: what the
    fill must match where it meets them. The mean of those near the median: anti-aliased
    pixels at the glyphs' edge pull a plain mean towards the ink, JPEG noise makes a plain
    median jumpy."""
    ys, xs = np.nonzero(glyphs.mask)
    if len(xs) == 0:
        return region.fill
    h, w = glyphs.mask.shape
    r = max(2.0, line_height / 2)
    bx0, by0, bx1, by1 = grow_box((int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                               int(ys.max()) + 1), round(r) + 1, w, h)
    mask = glyphs.mask[by0:by1, bx0:bx1]
    ring = dilate(mask, r) & region.flat[by0:by1, bx0:bx1] & ~mask
    x0, y0 = region.box[0] + bx0, region.box[1] + by0
    pixels = image[y0: y0 + by1 - by0, x0: x0 + bx1 - bx0][ring]
    if len(pixels) < 16:
        return region.fill
    median = np.median(pixels, axis=0)
    close = np.abs(pixels.astype(np.int16) - median).max(axis=1) <= FILL_NOISE
    if not close.any():
        # The channels' medians come from different pixels (a ring of two colours that
        # differ in every channel): no pixel is near them, and the median is the best guess.
        return rgb(median)
    return rgb(pixels[close].mean(axis=0))


def is_bubble(region: Region, lines: Sequence[TextLine], line_height: float) -> bool:
    """Whether an enclosed region holds lettering only (the lines whose centre is in it)."""
    inside = [lines[i] for i in held(region, lines)]
    if not inside:
        return False
    glyphs = flat_glyphs(region, inside, line_height)
    return glyphs.stray <= MAX_STRAY_SHARE * glyphs.strokes + line_height**2


def solidity(mask: Bool) -> float:
    """The share of its convex hull a mask covers."""
    # The hull of the outer contours' corners is the hull of every pixel, from far fewer
    # points.
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 0.0
    hull = float(cv2.contourArea(cv2.convexHull(np.concatenate(contours))))
    return min(1.0, float(np.count_nonzero(mask)) / hull) if hull > 0 else 1.0


def straight_sides(mask: Bool) -> int:
    """How many sides of its bounding box a mask runs along (STRAIGHT_SHARE of the side)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0
    box = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    rows = max(3, round(BAND_SHARE * box.shape[1]))
    cols = max(3, round(BAND_SHARE * box.shape[0]))
    along = (box[:rows].any(axis=0), box[-rows:].any(axis=0),
             box[:, :cols].any(axis=1), box[:, -cols:].any(axis=1))
    return sum(1 for side in along if side.mean() >= STRAIGHT_SHARE)


def is_panel(region: Region, lines: Sequence[TextLine]) -> bool:
    """Whether an enclosed region is a panel with text set on it (see the module doc)."""
    inside = [lines[i] for i in held(region, lines)]
    if len(inside) < PANEL_CORNER_GROUPS:
        return False
    groups = len(group_lines(inside))
    if groups >= PANEL_GROUPS and solidity(region.interior) < PANEL_SOLIDITY:
        return True
    return groups >= PANEL_CORNER_GROUPS and \
        straight_sides(region.interior) >= PANEL_STRAIGHT_SIDES
