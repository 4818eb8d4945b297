"""Line geometry the analysis needs beyond the axis-aligned box: the glyph size of a line
set at an angle, and where its glyphs may lie.

OCR reads a line set at an angle (lettering that follows a jagged balloon) as a rotated
quadrilateral; its bounding box is then several times taller than the letters. Every size
the analysis derives from a line (window pads, neck widths, the slack a glyph may have)
must come from the letters, so the size is the quadrilateral's short side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from workers.process.morph import Bool, dilate
from workers.types import TextLine

# A line whose long side leans more than this (degrees) off the axes is set at an angle.
TILTED_DEG = 8.0


def _sides(line: TextLine) -> tuple[float, float, float] | None:
    """(long side, short side, tilt of the long side in degrees) of a quadrilateral line."""
    if len(line.polygon) != 4:
        return None
    p = [(float(x), float(y)) for x, y in line.polygon]
    a = math.dist(p[0], p[1]) + math.dist(p[2], p[3])
    b = math.dist(p[1], p[2]) + math.dist(p[3], p[0])
    (x0, y0), (x1, y1) = (p[0], p[1]) if a >= b else (p[1], p[2])
    angle = math.degrees(math.atan2(abs(y1 - y0), abs(x1 - x0)))
    tilt = min(angle, abs(90.0 - angle))
    return max(a, b) / 2, min(a, b) / 2, tilt


def tilted(line: TextLine) -> bool:
    sides = _sides(line)
    return sides is not None and sides[2] > TILTED_DEG


def line_size(line: TextLine) -> float:
    """The glyph size: the box's height (a vertical column's width), or for a line set at
    an angle the quadrilateral's short side."""
    sides = _sides(line)
    if sides is not None and sides[2] > TILTED_DEG:
        return max(1.0, sides[1])
    return float(line.height)


def block_size(lines: Sequence[TextLine]) -> float:
    return float(statistics.median(line_size(ln) for ln in lines)) if lines else 0.0


def line_area(shape: tuple[int, int], origin: tuple[int, int], lines: Sequence[TextLine],
              pad: float) -> Bool:
    """Where the lines' glyphs lie, grown by `pad`, on an array of `shape` whose corner is
    `origin` in page pixels: each line's box, or its quadrilateral when it is set at an
    angle (its box would take in twice the page around it)."""
    h, w = shape
    ox, oy = origin
    boxes = np.zeros(shape, np.uint8)
    angled = np.zeros(shape, np.uint8)
    p = max(0, math.ceil(pad))
    for line in lines:
        if tilted(line):
            points = np.array([(round(x) - ox, round(y) - oy) for x, y in line.polygon],
                              np.int32)
            cv2.fillPoly(angled, [points], 1)
        else:
            x0, y0, x1, y1 = line.bbox
            boxes[max(0, y0 - p - oy): max(0, y1 + p - oy),
                  max(0, x0 - p - ox): max(0, x1 + p - ox)] = 1
    out: Bool = boxes > 0
    if angled.any():
        out |= dilate(angled > 0, pad) if pad > 0 else angled > 0
    return out[:h, :w]
