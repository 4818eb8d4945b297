"""Hairlines beside bold lettering: hatching or a strand of hair that lies wholly inside a
line box is kept as glyph by position alone (`workers.process.keep`). Beside bold letters
its strokes are plainly not theirs: a bold font has no one-pixel strokes, and a fill over
them cuts a white patch into the hatching around the letters.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.morph import Bool

# A shape at most this thick (twice its area over its edge pixels) is a hairline: every
# pixel of a line at most two pixels wide is an edge pixel, which gives 2.0.
HAIRLINE_PX = 2.05
# Lettering is bold when each of its letter-sized shapes (at least this many line heights
# square) is at least BOLD_PX thick. Every shape counts alike, so one dark patch of art
# among thin letters does not make them bold.
LETTER_LINES = 0.25
BOLD_PX = 5.0


def _thickness(shapes: Bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labels of the 8-connected shapes, and each label's area and thickness."""
    mask = shapes.astype(np.uint8)
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    edge = (mask > 0) & (cv2.erode(mask, np.ones((3, 3), np.uint8)) == 0)
    area = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    edges = np.bincount(labels[edge], minlength=count).astype(np.float64)
    thick = 2.0 * area / np.maximum(edges, 1.0)
    return labels, area, thick


def drop_hairlines(glyphs: Bool, line_height: float) -> Bool:
    """`glyphs` without the hairline shapes, when the rest are bold lettering."""
    if not glyphs.any():
        return glyphs
    labels, area, thick = _thickness(glyphs)
    area[0] = 0.0
    letters = area >= (LETTER_LINES * line_height) ** 2
    hair = (thick <= HAIRLINE_PX) & ~letters
    hair[0] = False
    if not letters.any() or thick[letters].min() < BOLD_PX or not hair.any():
        return glyphs
    out: Bool = glyphs & ~hair[labels]
    return out
