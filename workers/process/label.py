"""A label: a small card of flat paper, framed, with a name on it (the tags that introduce
characters), whose line box reaches past the paper onto the frame; or a narrow caption or
bubble around a column that fits it as closely.

The bubble search starts from the line's box and wants a line's width of its colour around
the text, so it finds no region here, or only open ground: the name's letters went to the
inpainter on a box of paper, frame and art, and the model smeared the whole tag; a narrow
bubble's fill, not clipped to an interior, reached over its outline. A card is found from
inside instead: the brighter part of the box gives the paper's colour, the shape of that
colour holding most of the box is the paper, and with its holes (the letters) filled it is a
card: nearly a full rectangle, inside a window around the box (not the page's background
running on), covering much of the box, with the letters a fair share of it. The letters are
then filled with the paper's colour, clipped to the card, like a caption's.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.colours import similar
from workers.process.morph import Bool, fill_holes
from workers.process.regions import Region, finish
from workers.types import Box, Image

# The window: the box and half a line around it, or a line and a half where the paper runs
# on past that (a name set at one end of its card).
WINDOW_LINES = (0.5, 1.5)
# The paper's colour: the median of the box's pixels at least this bright (a percentile).
PAPER_PERCENTILE = 60
# A card fills at least this share of its bounding rectangle (a folded corner is allowed;
# a rimmed letter on the art, an oval, a torn shape are not).
MIN_SQUARE = 0.85
# The card covers at least this share of the line's box, and the letters (holes in the
# paper) are at least this share of the card.
MIN_COVER, MIN_LETTERS = 0.4, 0.1
# A card is at most this many times the line's box.
MAX_CARD = 4.0


def find_label(image: Image, box: Box, line_height: float) -> Region | None:
    """The card the box's letters sit on, as an enclosed region, or None (module doc)."""
    x0, y0, x1, y1 = box
    inner = image[y0:y1, x0:x1]
    if inner.size == 0:
        return None
    grey = cv2.cvtColor(inner, cv2.COLOR_RGB2GRAY)
    median = np.median(inner[grey >= np.percentile(grey, PAPER_PERCENTILE)], axis=0)
    colour = (int(median[0]), int(median[1]), int(median[2]))
    height, width = image.shape[:2]
    for lines in WINDOW_LINES:
        pad = max(3, round(lines * line_height))
        window = (max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad),
                  min(height, y1 + pad))
        paper = similar(image, window, colour)
        own = _paper_under(paper, box, window)
        if own is None:
            return None
        left, top, w, h = cv2.boundingRect(own.astype(np.uint8))
        if left == 0 or top == 0 or left + w == own.shape[1] or top + h == own.shape[0]:
            # The paper runs on past the window: a wider one may hold it all.
            continue
        card = fill_holes(own)
        if not _is_card(card, own, w * h, box, window):
            return None
        return finish(image, window, paper, card, True, colour, [box], line_height)
    return None


def _paper_under(paper: Bool, box: Box, window: Box) -> Bool | None:
    """The shape of the paper's colour that holds most of the box."""
    wx0, wy0 = window[:2]
    x0, y0, x1, y1 = box
    count, labels = cv2.connectedComponents(paper.astype(np.uint8), connectivity=4)
    in_box = np.bincount(labels[y0 - wy0: y1 - wy0, x0 - wx0: x1 - wx0].ravel(),
                         minlength=count)
    in_box[0] = 0
    best = int(np.argmax(in_box))
    if best == 0:
        return None
    own: Bool = labels == best
    return own


def _is_card(card: Bool, own: Bool, rectangle: int, box: Box, window: Box) -> bool:
    """Whether the paper with its holes filled is a card holding the box's letters."""
    wx0, wy0 = window[:2]
    x0, y0, x1, y1 = box
    area = int(card.sum())
    covered = float(card[y0 - wy0: y1 - wy0, x0 - wx0: x1 - wx0].mean())
    letters = int((card & ~own).sum())
    return (area >= MIN_SQUARE * rectangle and covered >= MIN_COVER
            and letters >= MIN_LETTERS * area and area <= MAX_CARD * (x1 - x0) * (y1 - y0))
