"""The flat region a line of text sits on, and whether an outline encloses it (a bubble).

Around text on one flat colour, the pixels of that colour that are connected to the gaps
between the glyphs (4-connected, so a one-pixel diagonal outline still separates) form the
region; the glyphs are holes in it. An opening by about half a line cuts off what hangs on
by a narrow neck (a tail, or a leak through a gap in the outline into the white of the art
next to it), but never right around the lines searched from (the strip between a letter
and the outline it nearly touches is narrow too); what is left around the text is the
body. When the body stops before the edges of a search window around the text, an outline
encloses it: a speech bubble or a caption box. Near the lines, the interior takes in the
strokes that touch the outline (`workers.process.interior`), so a fill clipped to the
interior erases them but never reaches the outline itself; and in the boxes of the lines
it holds it takes back what the opening cut off of its own colour (the white between
speed lines hanging in among the letters).

The window grows until the body fits or a cap is reached (a big bubble around a short
line); a body that still runs into the window's edge is open (text on a plain page margin,
a sky): flat, but not enclosed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workers.process.colours import similar
from workers.process.interior import close_over_letters, into_lines
from workers.process.morph import Bool, box_mask, dilate, erode, fill_holes
from workers.types import RGB, Box, Image, grow_box, union_box

# The window starts at the text box plus this many line heights, and doubles up to the cap.
START_PAD_LINES = 2.0
MAX_PAD_LINES = 12.0
GROWTH_STEPS = 3
# Holes at most this many line heights across are glyphs (filled before necks are cut).
HOLE_LINES = 2.0
# Necks narrower than this many line heights are cut off the body ...
NECK_LINES = 0.8
# ... but never within this many line heights of the lines searched from.
NECK_KEEP_LINES = 0.3
# An enclosed region is a bubble only when it is not much bigger than its text: a white
# panel around a small line is a panel, not a bubble.
MAX_AREA_PER_TEXT = 40.0
# An enclosed region must hold this share of its line box: text with a light outline on
# art makes small enclosed islands that hug the glyphs and leave the box's corners out.
MIN_BOX_INSIDE = 0.9


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


def _largest_hit(mask: Bool, seeds: Bool, connectivity: int) -> Bool | None:
    """The component of `mask` holding most of the seed pixels."""
    hit = seeds & mask
    total = np.count_nonzero(hit)
    if total == 0:
        return None
    # Flooding the component of the first seed pixel visits only that component, where
    # labelling visits the whole window: when it holds most seed pixels, it is the one.
    y, x = divmod(int(np.argmax(hit)), hit.shape[1])
    flood = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.uint8)
    cv2.floodFill(mask.astype(np.uint8), flood, (x, y), 1,
                  flags=connectivity | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    first: Bool = flood[1:-1, 1:-1] > 0
    if 2 * np.count_nonzero(first & hit) > total:
        return first
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=connectivity)
    hits = np.bincount(labels[hit], minlength=count)
    out: Bool = labels == int(np.argmax(hits[1:])) + 1
    return out


def _touches(mask: Bool, window: Box, width: int, height: int) -> bool:
    """Whether the mask reaches a window edge that is not the page's edge."""
    x0, y0, x1, y1 = window
    return bool((x0 > 0 and mask[:, 0].any()) or (y0 > 0 and mask[0].any())
                or (x1 < width and mask[:, -1].any()) or (y1 < height and mask[-1].any()))


def _neck(line_height: float) -> float:
    return max(2.0, NECK_LINES * line_height / 2)


def _core(filled: Bool, seeds: Bool, line_height: float) -> Bool | None:
    """The component of `filled` opened by a neck's width that holds the text (`_body`
    before it is grown back)."""
    return _largest_hit(erode(filled, _neck(line_height)), seeds, 4)


def _grown(filled: Bool, core: Bool, line_height: float, text: Bool | None = None) -> Bool:
    keep = dilate(core, _neck(line_height) + 1)
    if text is not None:
        keep |= text
    out: Bool = filled & keep
    return out


def _body(filled: Bool, seeds: Bool, line_height: float, text: Bool | None = None,
          ) -> Bool | None:
    """`filled` without what hangs on by a neck narrower than NECK_LINES: the component of
    its opening that holds the text, grown back to its own edges. With `text` (the lines'
    boxes, a little grown), nothing there is cut: the strip between a letter and the
    outline it nearly touches is a neck too, and the letter must stay inside."""
    core = _core(filled, seeds, line_height)
    return None if core is None else _grown(filled, core, line_height, text)


def _body_touches(filled: Bool, core: Bool, line_height: float, text: Bool, window: Box,
                  width: int, height: int) -> bool:
    """`_touches(_grown(filled, core, line_height, text), ...)`, grown only in strips along
    the window's edges: the growth reaches no further than its radius, and the distance
    transform's metric is never shorter than the chessboard distance, so a strip that wide
    holds every pixel of the core an edge pixel can be reached from. (An open region, the
    usual case on a plain page, runs into the edges at every step of the window's growth:
    growing all of it would be most of the search's work.)"""
    x0, y0, x1, y1 = window
    s = int(_neck(line_height) + 1) + 2
    edges = ((x0 > 0, np.s_[:, :s], np.s_[:, 0]), (y0 > 0, np.s_[:s, :], np.s_[0, :]),
             (x1 < width, np.s_[:, -s:], np.s_[:, -1]),
             (y1 < height, np.s_[-s:, :], np.s_[-1, :]))
    for inner, strip, edge in edges:
        if inner and filled[edge].any() and \
                _grown(filled[strip], core[strip], line_height, text[strip])[edge].any():
            return True
    return False


# What a search around some text found (`_search`), kept per page by the caller: the same
# lines are looked around once as a line, again as a block of one line.
Search = tuple[Box, Bool, Bool | None, bool]
Searches = dict[tuple[tuple[Box, ...], float, RGB, int], Search]


def find_region(image: Image, seeds: Sequence[Box], line_height: float, fill: RGB,
                text_area: int, bubble: Box | None = None, others: Sequence[Box] = (),
                memo: Searches | None = None) -> Region:
    """The region of colour `fill` around the text in `seeds` (its line boxes). `bubble`:
    where a detector saw the bubble; the region is looked for in it, and is enclosed
    (clipped to it) even where its outline has a gap. `others`: the page's other lines,
    which may share the region: no neck is cut across them either. `memo`: searches
    already made on this page."""
    if bubble is not None:
        height, width = image.shape[:2]
        return _in_bubble(image, seeds, line_height, fill, grow_box(bubble, 3, width, height))
    key = (tuple(seeds), line_height, fill, text_area)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _search(image, seeds, line_height, fill, text_area)
        if memo is not None:
            memo[key] = found
    window, flat, interior, enclosed = found
    if interior is None:
        empty = np.zeros((window[3] - window[1], window[2] - window[0]), bool)
        return Region(window, empty, empty, False, fill)
    return finish(image, window, flat, interior, enclosed, fill, seeds, line_height, others)


def _search(image: Image, seeds: Sequence[Box], line_height: float, fill: RGB,
            text_area: int) -> Search:
    """The window searched last, the flat pixels in it, the region's interior before it is
    closed over the letters (None: no pixel of the colour around the text) and whether an
    outline encloses it."""
    height, width = image.shape[:2]
    text = union_box(seeds)
    span = max(text[2] - text[0], text[3] - text[1])
    pad = round(max(START_PAD_LINES * line_height, 0.5 * span))
    cap = round(max(MAX_PAD_LINES * line_height, 2 * span))
    core: Bool | None = None
    filled: Bool | None = None
    touches = True
    for _ in range(GROWTH_STEPS):
        window = grow_box(text, pad, width, height)
        shape = (window[3] - window[1], window[2] - window[0])
        flat = similar(image, window, fill)
        inner = box_mask(shape, window[:2], seeds, inset=True)
        component = _largest_hit(flat, inner, 4)
        if component is None:
            filled = None
            break
        reach = round(line_height)
        filled = fill_holes(component, (text[0] - window[0] - reach, text[1] - window[1] - reach,
                                        text[2] - window[0] + reach, text[3] - window[1] + reach),
                            round(HOLE_LINES * line_height))
        near = box_mask(shape, window[:2], seeds, round(NECK_KEEP_LINES * line_height))
        core = _core(filled, inner, line_height)
        if core is None:
            break
        touches = _body_touches(filled, core, line_height, near, window, width, height)
        if not touches or pad >= cap:
            break
        pad = min(cap, pad * 2)
    if filled is None or core is None or touches:
        # Nothing a line wide around the text (letters set close on a narrow strip of
        # background), or a body that runs on past the window: an open region, whose
        # pixels are still the background.
        return window, flat, filled, False
    body = _grown(filled, core, line_height, near)
    enclosed = _page_edges(body, window, width, height) < 3 and \
        _plausible(body, window, text, text_area)
    # The neck is cut: now every hole of the body is its own (other lines' glyphs too).
    return window, flat, fill_holes(body) if enclosed else filled, enclosed


def finish(image: Image, window: Box, flat: Bool, interior: Bool, enclosed: bool,
            fill: RGB, seeds: Sequence[Box], line_height: float,
            others: Sequence[Box] = ()) -> Region:
    """The region with its interior closed over the strokes near its lines that touch
    the outline (`workers.process.interior`), cut to size."""
    x0, y0, x1, y1 = window
    lines = list(seeds)
    if enclosed:
        # Every line the bubble may hold, not only the one it was found from.
        lines += [b for b in others if b[0] < x1 and x0 < b[2] and b[1] < y1 and y0 < b[3]]
        interior = into_lines(image, interior, flat, window, fill, lines)
    interior = close_over_letters(interior, flat, window, lines, line_height, enclosed)
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
    return finish(image, window, flat, interior, True, fill, seeds, line_height)


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
