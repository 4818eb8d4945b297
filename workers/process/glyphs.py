"""Glyph masks: the strokes of the letters, and nothing else.

Candidates come from the background model: on a flat region every pixel off its colour; on
art or screentone the strokes a morphological top-hat finds (thin and darker than their
surroundings, or lighter for white lettering). Which connected candidates are letters is
decided in `workers.process.keep` (inside the line box, or only poking out of it, or once
a border they touch is cut off).

On art, the rim of outlined letters is glyph too (`workers.process.outline`), and on any
ground letter-sized holes of one even tone in the shapes. Outlined lettering (black
letters in a white rim, white letters in a pink one) is found as whichever of its two
colours stands off the background, and the other lies inside it: a hole. A hole holding
texture is art the letters happen to enclose, and stays.

Off a bubble, hairlines beside bold letters are art, and a bold letter joined to a thinner
line of the art is cut off it (`workers.process.hairline`).

The mask is then grown over the anti-aliasing (and JPEG ringing) around the strokes, but
never over another candidate shape (the outline, border or art a letter touches), and in a
bubble never past its interior.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from workers.process.colours import similar
from workers.process.hairline import cut_off_lines, drop_hairlines
from workers.process.keep import FAR_LINES, GRAIN_PX, MARK_GAP_LINES, Area, Kept, keep, runs_in
from workers.process.lines import line_area
from workers.process.morph import Bool, components, dilate, dilate_in, disc, fill_holes
from workers.process.outline import rim
from workers.process.regions import Region
from workers.process.tinted import tinted
from workers.types import Box, Image, TextLine, grow_box, union_box

# How far (in line heights) a glyph may reach out of its line box: OCR boxes are tight, but
# accents, small kana and punctuation poke out a little.
BOX_SLACK = 0.2
# A cluster of marks OCR did not read, that reaches the lines read, lies within this many
# line heights of them.
MARK_REACH_LINES = 2.0
# A mark at most this many line heights across, inside a bubble, is lettering.
MARK_LINES = 1.2
# ... and at most this many line heights from the lines read.
MARK_NEAR_LINES = 1.0
# The top-hat's disc, in line heights: wider than a bold stroke where strokes join.
TOPHAT_LINES = 0.6
# Top-hat candidates must be this much darker (lighter) than their surroundings ...
TOPHAT_MIN = 40
# From lines this tall on, shapes are found without one-pixel hairlines, and take back
# their edge of EDGE_PX afterwards.
SOLID_LINES_PX = 16
EDGE_PX = 1.5
# On art, shapes smaller than a square this many line heights wide are texture (tone dots).
SPECK_LINES = 0.15
# Holes up to this many line heights across are letters or counters, when their grey
# levels spread less than this (standard deviation).
HOLE_LINES = 1.2
HOLE_SPREAD = 24.0
# Light strokes are the lettering when they outweigh the dark ones this many times, or
# stand out from their surroundings this many times more.
LIGHT_WINS = 2.0
LIGHT_STANDS_OUT = 1.5
# A shape at most this many line heights thick (across its shorter side) is lettering.
LINE_THICK = 1.3
# The anti-aliased edge around a stroke, in line heights (at least 2 px).
EDGE_LINES = 0.1
# Off a bubble, glyphs reach at most this many line heights past the flat region: a letter
# that touches the art beside it is still painted over, the art further off is not.
OPEN_REACH_LINES = 0.3
# Off a bubble, shapes are told apart on the region's window grown by this much.
WINDOW_MARGIN_PX = 4


@dataclass(slots=True)
class Glyphs:
    """One block's glyph mask over `box` (page pixels), with counts of the strokes found,
    the marks among them outside the lines read, and the stray pixels: off-colour shapes
    inside a bubble's interior that are not lettering (art: the region is no bubble)."""

    box: Box
    mask: Bool
    strokes: int
    unread: int = 0
    stray: int = 0


def _area(shape: tuple[int, int], origin: tuple[int, int], lines: Sequence[TextLine],
          line_height: float, interior: Bool | None = None,
          beyond: Callable[[], Bool] | None = None,
          ) -> Area:
    slack = max(2.0, round(BOX_SLACK * line_height))
    allowed = line_area(shape, origin, lines, slack)
    far = line_area(shape, origin, lines, slack + FAR_LINES * line_height)
    boxes = line_area(shape, origin, lines, 0)
    if interior is None:
        return Area(allowed, far, line_height, boxes)
    # Marks OCR did not read are taken only within a line of the text read.
    near = line_area(shape, origin, lines, round(MARK_NEAR_LINES * line_height))
    reach = line_area(shape, origin, lines, round(MARK_REACH_LINES * line_height))
    vertical = 2 * sum(ln.vertical for ln in lines) > len(lines)
    return Area(allowed, far, line_height, boxes, interior, near,
                round(MARK_LINES * line_height), reach, beyond, vertical)


def flat_glyphs(region: Region, lines: Sequence[TextLine], line_height: float,
                image: Image | None = None) -> Glyphs:
    """Glyphs of text on a flat region: everything off the region's colour. With `image`
    (the page), an outline around the letters is found too."""
    x0, y0, x1, y1 = region.box
    shape = (y1 - y0, x1 - x0)
    cut = None
    if region.enclosed or image is None:
        off = ~region.flat
        interior = region.interior if region.enclosed else None
        beyond = None if interior is None or image is None else \
            partial(_marks_beyond, image, region, line_height)
        kept = keep(off, _area(shape, (x0, y0), lines, line_height, interior, beyond))
    else:
        off, kept, cut = _open_kept(image, region, lines, line_height)
        kept.glyphs = drop_hairlines(kept.glyphs, line_height)
    grey = None if image is None else _grey(image[y0:y1, x0:x1])
    shapes = kept.glyphs | _holes(kept.glyphs, line_height, grey)
    grown = _grow(shapes, line_height, off)
    if region.enclosed:
        grown &= region.interior
    else:
        # Off a bubble there is no outline to spare: a letter touching the art or the
        # window's edge is still a letter.
        grown = dilate_in(region.interior, max(2.0, OPEN_REACH_LINES * line_height), grown)
        if cut is not None:
            # A letter cut off the art's line is whole: the part of it past the line too.
            grown |= _grow(cut, line_height, off)
    return Glyphs(region.box, grown, int(kept.glyphs.sum()), int(kept.marks.sum()),
                  kept.stray)


def _widened(image: Image, box: Box, pad: int) -> tuple[Box, tuple[slice, slice]]:
    """`box` grown by `pad` (within the page), and where `box` lies in it."""
    height, width = image.shape[:2]
    wide = grow_box(box, pad, width, height)
    x0, y0, x1, y1 = box
    return wide, np.s_[y0 - wide[1]: y1 - wide[1], x0 - wide[0]: x1 - wide[0]]


def _marks_beyond(image: Image, region: Region, line_height: float) -> Bool:
    """Over the region's box: what lies within a mark's gap of a mark-sized shape off the
    region's colour outside its interior. Looked for a mark's size past the box too (not
    the shapes the window's edge cuts: they may run on far past it)."""
    gap = max(2.0, MARK_GAP_LINES * line_height)
    most = round(MARK_LINES * line_height)
    wide, inner = _widened(image, region.box, most + round(gap))
    wx0, wy0, wx1, wy1 = wide
    outside = np.ones((wy1 - wy0, wx1 - wx0), bool)
    outside[inner] = ~region.interior
    shapes = ~similar(image, wide, region.fill) & outside
    _, labels, stats = components(shapes)
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    whole = (x > 0) & (y > 0) & (x + w < shapes.shape[1]) & (y + h < shapes.shape[0])
    sized = (w <= most) & (h <= most) & (stats[:, cv2.CC_STAT_AREA] > GRAIN_PX) & whole
    sized[0] = False
    out: Bool = dilate(sized[labels], gap)[inner]
    return out


def _open_kept(image: Image, region: Region, lines: Sequence[TextLine], line_height: float,
               ) -> tuple[Bool, Kept, Bool]:
    """Off a bubble, the candidates are what is off the colour, wherever the region's
    interior stops: letters beside the art are not part of the art. They are told apart
    on the region's window grown by a few pixels: a border just past the region's edge is
    seen whole there (long, straight, running out of the lines), where the window itself
    would hold only its ragged rim, in pieces a letter's size. Returned with the letters
    among them cut off a line of the art (`workers.process.hairline`)."""
    wide, inner = _widened(image, region.box, WINDOW_MARGIN_PX)
    wx0, wy0, wx1, wy1 = wide
    off = ~similar(image, wide, region.fill)
    where = _area((wy1 - wy0, wx1 - wx0), (wx0, wy0), lines, line_height)
    kept = keep(off, where)
    cut = cut_off_lines(off, kept.glyphs, where)
    kept.glyphs |= cut
    return off[inner], Kept(kept.glyphs[inner], kept.marks[inner], kept.stray), cut[inner]


def _grow(mask: Bool, line_height: float, candidates: Bool) -> Bool:
    """The mask grown over the anti-aliased edge, but never over other candidates: the
    outline, border or art stroke a letter stands beside is not its edge."""
    r = max(2, round(EDGE_LINES * line_height))
    out: Bool = (cv2.dilate(mask.astype(np.uint8), disc(r)) > 0) & (mask | ~candidates)
    return out


def _grey(image: Image) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def textured_glyphs(image: Image, grey: np.ndarray, lines: Sequence[TextLine],
                    line_height: float) -> Glyphs:
    """Glyphs of text on art or screentone: thin strokes darker (or lighter) than their
    surroundings, inside the line boxes. Dark strokes are the lettering's unless light
    ones clearly outweigh them or stand out far more (white lettering: its dark
    counterpart is the gaps between the letters, or their dark rim)."""
    height, width = grey.shape
    k = max(5, round(TOPHAT_LINES * line_height) | 1)
    slack = max(2, round(BOX_SLACK * line_height))
    reach = slack + round(FAR_LINES * line_height)
    box = grow_box(union_box(ln.bbox for ln in lines), k + reach, width, height)
    x0, y0, x1, y1 = box
    crop = grey[y0:y1, x0:x1]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    where = _area(crop.shape, (x0, y0), lines, line_height)
    found = []
    for op in (cv2.MORPH_BLACKHAT, cv2.MORPH_TOPHAT):
        response = cv2.morphologyEx(crop, op, kernel)
        candidates: Bool = response > TOPHAT_MIN
        # Shapes are told apart without their hairlines: a one-pixel line of the art that
        # brushes a letter's edge must not make the two one shape. (Small lettering has
        # hairline strokes of its own, and keeps them.)
        solid = candidates
        if line_height >= SOLID_LINES_PX:
            solid = cv2.morphologyEx(candidates.astype(np.uint8), cv2.MORPH_OPEN,
                                     cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))) > 0
        strokes = _drop_specks(keep(solid, where).glyphs, line_height)
        if line_height >= SOLID_LINES_PX and strokes.any():
            # The letters' edges come back, not a border the opening thinned away.
            edge = candidates & ~solid & dilate(strokes, EDGE_PX)
            if edge.any():
                strokes |= edge & ~dilate(runs_in(candidates, line_height), EDGE_PX)
        contrast = float(response[strokes].mean()) if strokes.any() else 0.0
        found.append((strokes, candidates, _line_thick(strokes, line_height), contrast))
    (dark, dark_candidates, dark_px, dark_contrast), \
        (light, light_candidates, light_px, light_contrast) = found
    # Dark lettering unless light strokes clearly outweigh it, or stand out far more (white
    # letters in a dark rim): the light polarity also finds the gaps between dark letters
    # (a tight caption box's colour around them), as bright as the letters are dark.
    light_wins = light_px > LIGHT_WINS * dark_px or \
        (light_contrast > LIGHT_STANDS_OUT * dark_contrast and 2 * light_px >= dark_px)
    strokes, candidates = (light, light_candidates) if light_wins else (dark, dark_candidates)
    # Dark strokes in a tint of their own are all found by it (`workers.process.tinted`).
    tint = tinted(image[y0:y1, x0:x1], dark, where)
    if tint is not None and tint.strokes.sum() >= dark.sum():
        strokes, candidates = tint
    shapes = strokes | rim(image[y0:y1, x0:x1], strokes, candidates & ~strokes, line_height)
    shapes |= _holes(shapes, line_height, crop)
    return Glyphs(box, _grow(shapes, line_height, candidates), int(strokes.sum()))


def spread(glyphs: Glyphs, line: TextLine) -> float:
    """How much of the line's length, along its reading direction, the mask spans inside
    its box: near 1 where the letters were found, small where the mask is a piece of the
    art beside them."""
    x0, y0 = glyphs.box[:2]
    bx0, by0, bx1, by1 = line.bbox
    inside = glyphs.mask[max(0, by0 - y0): max(0, by1 - y0), max(0, bx0 - x0): max(0, bx1 - x0)]
    along = inside.any(axis=1) if line.vertical else inside.any(axis=0)
    if not along.any():
        return 0.0
    hits = np.nonzero(along)[0]
    return float(hits[-1] - hits[0] + 1) / max(1, (by1 - by0) if line.vertical else (bx1 - bx0))


def _holes(shapes: Bool, line_height: float, grey: np.ndarray | None = None) -> Bool:
    """The letter-sized holes of `shapes`; with `grey` (over the same pixels), only those
    of one even tone (see the module's docstring)."""
    out = np.zeros_like(shapes)
    # Holes lie inside the shapes' bounding box, and a gap that reaches the box's edge
    # reaches the window's too (all is open around the box): the work is done on the box.
    x, y, w, h = cv2.boundingRect(shapes.astype(np.uint8))
    if w == 0 or h == 0:
        return out
    box = np.s_[y:y + h, x:x + w]
    out[box] = _box_holes(shapes[box], line_height, None if grey is None else grey[box])
    return out


def _box_holes(shapes: Bool, line_height: float, grey: np.ndarray | None) -> Bool:
    holes = fill_holes(shapes, (0, 0, 0, 0), round(HOLE_LINES * line_height)) & ~shapes
    if grey is None or not holes.any():
        return holes
    count, labels = cv2.connectedComponents(holes.astype(np.uint8), connectivity=8)
    values = grey[holes].astype(np.float64)
    which = labels[holes]
    n = np.maximum(np.bincount(which, minlength=count), 1)
    mean = np.bincount(which, values, minlength=count) / n
    spread = np.sqrt(np.maximum(np.bincount(which, values**2, minlength=count) / n
                                - mean**2, 0))
    # A pinhole inside a letter is the letter's, whatever it holds.
    even = (spread <= HOLE_SPREAD) | (n <= (SPECK_LINES * line_height) ** 2)
    even[0] = False
    out: Bool = even[labels]
    return out


def _line_thick(strokes: Bool, line_height: float) -> int:
    """Pixels of the shapes at most a line thick: letters, words, a column. The other
    polarity finds the gaps between outlined letters, or texture, in wide patches."""
    _, _, stats = components(strokes)
    thin = np.minimum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) \
        <= LINE_THICK * line_height
    return int(stats[1:, cv2.CC_STAT_AREA][thin].sum())


def _drop_specks(glyphs: Bool, line_height: float) -> Bool:
    """Without the dots of screentone: components smaller than a full stop at this size."""
    _, labels, stats = components(glyphs)
    small = stats[:, cv2.CC_STAT_AREA] < max(6.0, (SPECK_LINES * line_height) ** 2)
    small[0] = True
    out: Bool = ~small[labels]
    return out
