"""Which connected candidate shapes are letters: the rules behind the glyph mask.

A candidate (a connected shape off the background's colour, or a stroke the top-hat finds)
is a glyph when it stays inside its line box plus a fifth of a line. Lettering is not
always that tidy, so two more rules take what a reader still sees as letters:

- off a bubble, a shape with long straight runs in it (near the page's axes) is split
  along them first: a letter that touches a caption box's border or a panel border is one
  shape with that border, and without the border it is a glyph again. The border and a
  pixel either side of it stay; the letter's own pixels beside it go with the letter;
- a blob that pokes only a little out of the box (at most POKE_SHARE of it, never past
  FAR_LINES of a line) is lettering too: outlined letters are one shape with their
  outline, and the outlines of neighbouring letters, lines and furigana run together.

What still runs out (a bubble outline, a strand of hair, art) is left alone, and so is a
slanted hairline reaching out of the box: the end of the hatching or speed lines the text
is set beside. So are hairlines side by side in a comb, inside the box or not: hatching
or speed lines a line box takes in, drawn thinner than any letter's stroke at its size.
Inside a bubble, small marks near the text count too (furigana, punctuation, a line OCR
missed), a whole cluster of them at a time, never a slanted hairline; so does a letter
that runs into a dash ("柱——", one shape where they touch) in line with its column or row;
and the part of a shape that touches the outline is kept up to the interior's edge (the
interior takes the letter in: `workers.process.interior`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from workers.process.morph import Bool, components, dilate
from workers.process.strokes import Ints, combs, only, pixels_of, slanted_hairlines

# A shape may have this share of its pixels outside its line box (plus the slack) ...
POKE_SHARE = 0.1
# ... none of them further than this many line heights from the box, when it is a blob of
# at least this many square line heights (outlined letters run together; a stroke of the
# art, a line, is thin).
FAR_LINES = 0.4
POKE_AREA_LINES = 0.5
# A straight run this many line heights long is a border, not a letter's stroke.
BORDER_LINES = 1.5
# The directions (degrees) a border may run in: near horizontal and near vertical.
BORDER_ANGLES = (-5.0, 0.0, 5.0, 85.0, 90.0, 95.0)
# On either side of a border this many pixels stay, so it is never thinned.
BORDER_KEEP_PX = 1.5
# Pieces cut off a border with more than this share of their pixels within this many
# pixels of it (past those that stay beside it) are its ragged edge.
BORDER_EDGE_SHARE = 0.5
BORDER_EDGE_PX = 2.5
# A shape covering more than this share of its bounding box is no frame of lines.
MAX_FRAME_DENSITY = 0.5
# Inside a bubble, shapes smaller than a square this many line heights wide are noise
# (paper grain, JPEG speckle), not art that would make the region something else.
SPECK_LINES = 0.15

# Mark-sized shapes this many line heights apart (or less) belong to one cluster.
MARK_GAP_LINES = 0.25

# Inside a bubble, a letter may run out of its line box as a dash ("柱——", one shape where
# they touch): a straight stroke along the reading direction at most this many line
# heights thick (3 px at least), no longer than the reach of marks from the text.
DASH_LINES = 0.25

# Shapes of at most this many pixels are grain or speckle (a scanned page's paper strays
# past the colour tolerance pixel by pixel), never a letter's stroke.
GRAIN_PX = 4



@dataclass(slots=True)
class Kept:
    glyphs: Bool
    marks: Bool
    stray: int


@dataclass(frozen=True, slots=True)
class Area:
    """Where a block's glyphs may lie, over the same pixels as the candidates: the line
    boxes with their slack, the same grown by FAR_LINES, the bare boxes, and (inside a
    bubble) its interior, the part of it within a line of the text and within two, and
    what lies beside marks past it."""

    allowed: Bool
    far: Bool
    line_height: float
    # The line boxes themselves, without the slack.
    boxes: Bool
    interior: Bool | None = None
    near: Bool | None = None
    mark_px: int = 0
    # Inside a bubble: where the rest of a cluster of marks near the text may lie.
    reach: Bool | None = None
    # Inside a bubble: within a mark's gap of a mark-sized shape past its interior
    # (unread lettering running out of it; the outline is one long shape, never one).
    # (A function: worked out only when a cluster of marks is met.)
    beyond: Callable[[], Bool] | None = None
    # Whether most of the lines are vertical columns (the direction a dash runs in).
    vertical: bool = False


def within_lines(labels: Ints, count: int, area: Ints, where: Area, shapes: Bool,
             ) -> npt.NDArray[np.bool_]:
    """Per label: inside the box, or poking only a little out of it (never grain).
    `shapes`: the labelled pixels (the counts look at those only: the background is most
    of the window, and its label's counts are never read)."""
    out = np.bincount(labels[shapes & ~where.allowed], minlength=count)
    far = np.bincount(labels[shapes & ~where.far], minlength=count)
    poking = (far == 0) & (out <= POKE_SHARE * area) \
        & (area >= POKE_AREA_LINES * where.line_height ** 2)
    ok: npt.NDArray[np.bool_] = ((out == 0) | poking) & (area > GRAIN_PX)
    ok[0] = False
    return ok


def _dashed(labels: Ints, count: int, candidates: Bool, where: Area,
            ) -> npt.NDArray[np.bool_]:
    """Per label: a shape whose pixels past its line box (and slack) are one thin straight
    stroke along the reading direction within the reach of marks from the text: a dash
    the lettering ends or starts with, joined to the letter beside it. (Speed lines beside
    a column run across it; a slanted stroke is no thin box.)"""
    none = np.zeros(count, bool)
    if where.reach is None:
        return none
    ys, xs, lab = pixels_of(labels, candidates & ~where.allowed)
    if len(xs) == 0:
        return none
    big = np.iinfo(np.int64).max
    x0, y0 = np.full(count, big), np.full(count, big)
    x1, y1 = np.full(count, -1), np.full(count, -1)
    np.minimum.at(x0, lab, xs)
    np.minimum.at(y0, lab, ys)
    np.maximum.at(x1, lab, xs)
    np.maximum.at(y1, lab, ys)
    past = np.bincount(lab, minlength=count)
    thin = max(3.0, DASH_LINES * where.line_height)
    along, across = (y1 - y0 + 1, x1 - x0 + 1) if where.vertical else \
        (x1 - x0 + 1, y1 - y0 + 1)
    reached = np.bincount(labels[candidates & ~where.reach], minlength=count) == 0
    out: npt.NDArray[np.bool_] = (past > 0) & (across <= thin) & (along >= 2 * across) \
        & reached
    out[0] = False
    # In line with a line box: across the reading direction it lies within a column's
    # (a row's) span, so it goes on from the line's end (an aside beside the text, whose
    # long vowel mark runs down from its first kana, does not).
    spans: npt.NDArray[np.bool_] = np.asarray(where.boxes.any(axis=0 if where.vertical else 1))
    for label in np.flatnonzero(out):
        first, last = (x0[label], x1[label]) if where.vertical else (y0[label], y1[label])
        out[label] = bool(spans[first:last + 1].all())
    return out


def _whole_clusters(labels: Ints, count: int, sized: npt.NDArray[np.bool_],
                    small: npt.NDArray[np.bool_], close: npt.NDArray[np.bool_],
                    solid: npt.NDArray[np.bool_], beyond: Callable[[], Bool] | None,
                    line_height: float,
                    ) -> npt.NDArray[np.bool_]:
    """Per label: the marks of a cluster (the mark-sized shapes a letter's gap apart, in
    the interior) that reaches the text read (one of them `close`), is all marks (`small`)
    and has none past the interior (`beyond`: the mark-sized shapes there). Lettering OCR
    did not read comes as such a cluster (an ellipsis, a column of small kana), out of the
    bubble too: it is taken whole or left whole, as half a line is worse than either.
    `solid`: per label, more than grain."""
    shapes = sized[labels]
    gap = max(2.0, MARK_GAP_LINES * line_height)
    # Only around the mark-sized shapes (the window is mostly background).
    x, y, w, h = cv2.boundingRect(shapes.astype(np.uint8))
    pad = int(gap) + 1
    height, width = shapes.shape
    box = np.s_[max(0, y - pad): min(height, y + h + pad),
                max(0, x - pad): min(width, x + w + pad)]
    n, clusters = cv2.connectedComponents(dilate(shapes[box], gap).astype(np.uint8),
                                          connectivity=8)
    # The cluster of each label: its shapes lie inside their own dilation.
    ys, xs = np.nonzero(shapes[box])
    owner = np.zeros(count, np.int64)
    owner[labels[box][ys, xs]] = clusters[ys, xs]
    reaches = np.bincount(owner[small & close], minlength=n) > 0
    # (Grain, too small to be a mark, neither joins nor spoils a cluster.)
    others = np.bincount(owner[sized & ~small & solid], minlength=n) > 0
    if beyond is not None and (reaches & ~others).any():
        past = shapes[box] & beyond()[box]
        others |= np.bincount(owner[labels[box][past]], minlength=n) > 0
    out: npt.NDArray[np.bool_] = small & (reaches & ~others)[owner]
    return out


def _hairlines_beside(labels: Ints, count: int, chosen: npt.NDArray[np.bool_], where: Area,
                      ) -> npt.NDArray[np.bool_]:
    """Per label, among the `chosen` ones: a slanted hairline reaching out of the line boxes
    into their slack: the edge of the hatching or speed lines the text is set beside.
    (Inside the boxes a thin slanted stroke may be a letter's: an exclamation mark, a
    katakana stroke.)"""
    pixels = pixels_of(labels, chosen[labels])
    ys, xs, lab = pixels
    outside = np.bincount(lab[~where.boxes[ys, xs]], minlength=count) > 0
    outside[0] = False
    if not outside.any():
        return outside
    out: npt.NDArray[np.bool_] = outside & slanted_hairlines(only(pixels, outside), count,
                                                              where.line_height)
    return out


def _line_kernel(length: int, degrees: float) -> npt.NDArray[np.uint8]:
    """A one-pixel line `length` long through the kernel's centre at `degrees` (a plain
    row or column for the axes: OpenCV opens with those fastest)."""
    if degrees % 180 == 0:
        return np.ones((1, length), np.uint8)
    if degrees % 180 == 90:
        return np.ones((length, 1), np.uint8)
    kernel = np.zeros((length, length), np.uint8)
    c, r = (length - 1) / 2, (length - 1) / 2
    dx, dy = r * np.cos(np.radians(degrees)), r * np.sin(np.radians(degrees))
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1, 1)
    return kernel


def runs_in(shapes: Bool, line_height: float) -> Bool:
    """The long straight runs in `shapes` that lie near the page's axes: borders and
    frames, drawn by hand a few degrees off."""
    length = max(9, round(BORDER_LINES * line_height)) | 1
    out: Bool = np.zeros(shapes.shape, bool)
    # Only over the shapes' bounding box: the rest of the region holds none.
    x, y, w, h = cv2.boundingRect(shapes.astype(np.uint8))
    if w == 0 or h == 0:
        return out
    u8 = shapes[y:y + h, x:x + w].astype(np.uint8)
    part = out[y:y + h, x:x + w]
    for degrees in BORDER_ANGLES:
        part |= cv2.morphologyEx(u8, cv2.MORPH_OPEN, _line_kernel(length, degrees),
                                 borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    return out


def _open_letters(labels: Ints, count: int, stats: Ints, where: Area, candidates: Bool,
                  ) -> Bool:
    """The letters off a bubble: shapes inside their box; shapes with a border in them,
    once it is cut off (a border poking a little out of a box that takes in its whole
    caption is no letter); other shapes poking a little out. A dense patch a line thick
    or more is art, whose long straight strokes are hatching, not a border."""
    area = stats[:, cv2.CC_STAT_AREA]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    out = np.bincount(labels[candidates & ~where.allowed], minlength=count)
    inside = (out == 0) & (area > GRAIN_PX)
    inside[0] = False
    patch = (area > MAX_FRAME_DENSITY * w * h) & (np.minimum(w, h) > where.line_height)
    # Only shapes that reach into the box can leave letters there.
    touching = np.bincount(labels[candidates & where.allowed], minlength=count) > 0
    eligible = ~inside & ~patch & touching
    eligible[0] = False
    letters = inside | within_lines(labels, count, area, where, candidates)
    letters &= ~_hairlines_beside(labels, count, letters, where)
    letters &= ~combs(labels, count, stats, where.line_height)
    if not eligible.any():
        only: Bool = letters[labels]
        return only
    runs = runs_in(eligible[labels], where.line_height)
    framed = np.bincount(labels[runs], minlength=count) > 0
    framed[0] = False
    glyphs: Bool = (letters & ~framed)[labels]
    if framed.any():
        shapes = framed[labels]
        beside = dilate(runs, BORDER_KEEP_PX)
        cut = shapes & ~beside
        n, parts, part_stats = components(cut)
        part_area = part_stats[:, cv2.CC_STAT_AREA]
        letters_cut = within_lines(parts, n, part_area, where, cut)
        # What hugs the border is its own ragged edge (a hand-drawn border is no straight
        # run all through), not a letter beside it.
        hugging = np.bincount(parts[cut & dilate(runs, BORDER_KEEP_PX + BORDER_EDGE_PX)],
                              minlength=n)
        letters_cut &= hugging <= BORDER_EDGE_SHARE * part_area
        found = letters_cut[parts]
        # The letters' own pixels beside the border come back with them; the border stays.
        glyphs |= found | (shapes & beside & ~runs & dilate(found, BORDER_KEEP_PX))
    return glyphs


def keep(candidates: Bool, where: Area) -> Kept:
    """The glyph pixels among the candidates (see the module's docstring)."""
    count, labels, stats = components(candidates)
    if count < 2:
        empty = np.zeros_like(candidates)
        return Kept(empty, empty, 0)
    if where.interior is None or where.near is None:
        return Kept(_open_letters(labels, count, stats, where, candidates),
                    np.zeros_like(candidates), 0)
    # Inside a bubble the interior keeps the outline out of the mask; no border to cut.
    area = stats[:, cv2.CC_STAT_AREA]
    letters = within_lines(labels, count, area, where, candidates)
    letters &= ~_hairlines_beside(labels, count, letters, where)
    interior = where.interior
    within = np.bincount(labels[candidates & ~interior], minlength=count) == 0
    touching = np.bincount(labels[candidates & where.boxes], minlength=count) > 0
    letters |= _dashed(labels, count, candidates, where) & within & touching
    teeth = combs(labels, count, stats, where.line_height)
    letters &= ~teeth
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    close = np.bincount(labels[candidates & ~where.near], minlength=count) == 0
    sized = (w <= where.mark_px) & (h <= where.mark_px) & ~letters & ~teeth & within
    sized[0] = False
    small = np.zeros_like(sized)
    if (sized & close).any():  # else no cluster of marks reaches the text
        reach = where.reach if where.reach is not None else where.near
        small = sized & (np.bincount(labels[candidates & ~reach], minlength=count) == 0)
        small &= ~slanted_hairlines(pixels_of(labels, sized[labels]), count, where.line_height)
        small = _whole_clusters(labels, count, sized, small, close, area > GRAIN_PX,
                                where.beyond, where.line_height)
    # A glyph that touches the outline: what lies outside the lines is outline (outside
    # the interior); its part inside the lines and the interior is the glyph's. A shape
    # that runs out of the lines inside the interior is art, or an inner outline.
    out_of_lines = np.bincount(labels[candidates & ~where.allowed & interior], minlength=count)
    crossing = ~letters & ~small & ~teeth & (out_of_lines == 0)
    crossing[0] = False
    speck = area < max(6.0, (SPECK_LINES * where.line_height) ** 2)
    stray = ~letters & ~small & ~crossing & ~teeth & within & ~speck
    stray[0] = False
    marks = small[labels]
    glyphs = letters[labels] | marks | (crossing[labels] & where.allowed & interior)
    return Kept(glyphs, marks, int(area[stray].sum()))
