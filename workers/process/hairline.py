"""Hairlines beside bold lettering: hatching or a strand of hair that lies wholly inside a
line box is kept as glyph by position alone (`workers.process.keep`). Beside bold letters
its strokes are plainly not theirs: a bold font has no one-pixel strokes, and a fill over
them cuts a white patch into the hatching around the letters.

The other way round, a bold letter that touches a line of the art (a title set against a
figure's outline) is one shape with it, which runs out of the line box and is left as art.
Opened a pixel thinner than the letters' usual stroke, the line falls away and the letter
stands alone in its box again.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.keep import Area, within_lines
from workers.process.morph import Bool, components, dilate, disc

# A shape at most this thick (twice its area over its edge pixels) is a hairline: every
# pixel of a line at most two pixels wide is an edge pixel, which gives 2.0.
HAIRLINE_PX = 2.05
# Lettering is bold when each of its letter-sized shapes (at least this many line heights
# square) is at least BOLD_PX thick. Every shape counts alike, so one dark patch of art
# among thin letters does not make them bold.
LETTER_LINES = 0.25
BOLD_PX = 5.0
# Letters are cut off the art's lines only when their usual stroke is at least this thick:
# the opening a pixel thinner (five at least) takes away lines up to four pixels wide, and
# no letter's stroke.
CUT_STROKE_PX = 6.0
# A piece the opening takes off that runs longer than this many times its width is a
# piece of the line, not the letter's edge.
LINE_PIECE = 2.0


def _strokes(shapes: Bool, line_height: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labels of the 8-connected shapes; per label, whether it is letter-sized, and
    its thickness (twice its area over its edge pixels)."""
    mask = shapes.astype(np.uint8)
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    edge = (mask > 0) & (cv2.erode(mask, np.ones((3, 3), np.uint8)) == 0)
    area = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    edges = np.bincount(labels[edge], minlength=count).astype(np.float64)
    thick = 2.0 * area / np.maximum(edges, 1.0)
    area[0] = 0.0
    letters = area >= (LETTER_LINES * line_height) ** 2
    return labels, letters, thick


def drop_hairlines(glyphs: Bool, line_height: float) -> Bool:
    """`glyphs` without the hairline shapes, when the rest are bold lettering."""
    if not glyphs.any():
        return glyphs
    labels, letters, thick = _strokes(glyphs, line_height)
    hair = (thick <= HAIRLINE_PX) & ~letters
    hair[0] = False
    if not letters.any() or thick[letters].min() < BOLD_PX or not hair.any():
        return glyphs
    out: Bool = glyphs & ~hair[labels]
    return out


def cut_off_lines(candidates: Bool, glyphs: Bool, where: Area) -> Bool:
    """The bold letters among the `candidates` outside `glyphs` (the letters kept so far)
    that stand in their line box once the art's thinner lines are opened away, each with
    its own edge back: the line it touched stays, bar a stub of the opening's width."""
    empty = np.zeros_like(candidates)
    _, letters, thick = _strokes(glyphs, where.line_height)
    if not letters.any():
        return empty
    stroke = float(np.median(thick[letters]))
    if stroke < CUT_STROKE_PX:
        return empty
    size = int(stroke - 1.0)
    size -= 1 - size % 2  # odd, so the opening is centred
    others = (candidates & ~glyphs).astype(np.uint8)
    opened = cv2.morphologyEx(others, cv2.MORPH_OPEN, disc(size // 2)) > 0
    count, parts, stats = components(opened)
    part_area = stats[:, cv2.CC_STAT_AREA]
    found = within_lines(parts, count, part_area, where, opened) \
        & (part_area >= (LETTER_LINES * where.line_height) ** 2)
    if not found.any():
        return empty
    cut = found[parts]
    # What the opening took off the letters is their edge (pieces about as long as the
    # opening is wide), bar the pieces of the line.
    thin = (others > 0) & ~opened & ~cut
    count, pieces, stats = components(thin)
    line = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) \
        > LINE_PIECE * size
    line[0] = False
    out: Bool = cut | (thin & ~line[pieces] & dilate(cut, size / 2 + 1))
    return out
