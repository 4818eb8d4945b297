"""Outlined lettering on art: the rim around the letters is part of what a reader sees.

Narration and titles on art are often drawn as dark letters in a light rim (or coloured
letters in a white one), so that they read over any drawing. The top-hat finds the dark
strokes; erasing only them leaves the rim, a pale silhouette of every letter. So a letter
whose surroundings, just past its anti-aliased edge, are nearly all one colour that differs
from the letter's own has a rim: the pixels of that colour within the widest rim of it
belong to the glyph too, unless that colour goes on past the widest rim (then it is the
plain ground the letters stand on) or runs into a border or the art (then it is a caption
box's ground, or the drawing's). A rim stops where that colour does, so the art beyond it (or a
caption box's border around a tight box of colour) is never taken.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.morph import Bool, dilate
from workers.types import Image

# The widest rim, in line heights (at least 3 px).
RIM_LINES = 0.3
# A pixel this close to the rim's colour (per channel) is rim.
SAME_COLOUR = 32
# A letter has a rim when this share of the ring just past its edge is the rim's colour ...
RING_SHARE = 0.8
# ... and the rim's colour is this far (grey levels) from the letter's own.
RIM_CONTRAST = 60
# ... and the ring past the widest rim has at least this share less of it.
RIM_DROP = 0.5
# The anti-aliased edge of a stroke, in pixels: the ring is looked at past it.
EDGE_PX = 1.5


def rim(image: Image, strokes: Bool, others: Bool, line_height: float) -> Bool:
    """The rim around the outlined letters among `strokes` (over the same pixels as
    `image`), or nothing. `others`: the shapes of the same tone that are not letters (a
    border, art): a band of colour that runs into one of them is a caption box's ground
    or the art's, not a rim."""
    empty = np.zeros_like(strokes)
    if not strokes.any():
        return empty
    width = max(3.0, RIM_LINES * line_height)
    count, labels = cv2.connectedComponents(strokes.astype(np.uint8), connectivity=8)
    # Distance to the strokes, and which stroke shape is the nearest.
    dist, nearest = cv2.distanceTransformWithLabels((~strokes).astype(np.uint8), cv2.DIST_L2,
                                                    5, labelType=cv2.DIST_LABEL_CCOMP)
    # `nearest` numbers the stroke shapes its own way: map it to `labels`.
    to_label = np.zeros(int(nearest.max()) + 1, np.int64)
    to_label[nearest[strokes]] = labels[strokes]
    owner = to_label[nearest]
    ring = (dist > EDGE_PX) & (dist <= EDGE_PX + 2)
    beyond = (dist > width + EDGE_PX) & (dist <= width + EDGE_PX + 2)
    if ring.sum() < 16:
        return empty
    pixels = image.astype(np.int16)

    def per_letter(where: Bool, values: np.ndarray) -> np.ndarray:
        return np.bincount(owner[where], values, minlength=count) \
            / np.maximum(np.bincount(owner[where], minlength=count), 1)

    # Each letter's ring colour, and how much of its ring (and of the ring past the widest
    # rim) is that colour.
    colour = np.stack([per_letter(ring, pixels[..., c][ring].astype(np.float64))
                       for c in range(3)], axis=1)
    close = np.abs(pixels - colour[owner]).max(axis=2) <= SAME_COLOUR
    share = per_letter(ring, close[ring].astype(np.float64))
    # Past the widest rim the colour must change: else the "rim" is the plain ground the
    # letters stand on, which needs no erasing.
    ground = per_letter(beyond, close[beyond].astype(np.float64))
    grey = pixels.mean(axis=2)
    own = np.bincount(labels[strokes], grey[strokes], minlength=count) \
        / np.maximum(np.bincount(labels[strokes], minlength=count), 1)
    # A shape hemmed in by others owns little of the ring past the rim: nothing to judge.
    judged = np.bincount(owner[beyond], minlength=count) >= 0.5 * np.bincount(owner[ring],
                                                                              minlength=count)
    rimmed = judged & (share >= RING_SHARE) & (share - ground >= RIM_DROP) \
        & (np.abs(own - colour.mean(axis=1)) >= RIM_CONTRAST)
    rimmed[0] = False
    if not rimmed.any():
        return empty
    band = (dist <= width + EDGE_PX) & close & ~strokes
    blocked = np.bincount(owner[band & dilate(others, EDGE_PX + 1)], minlength=count) > 0
    band &= (rimmed & ~blocked)[owner]
    # Only the band that starts at the letters' edge: the same colour further off in the
    # art is not rim.
    n, parts = cv2.connectedComponents(band.astype(np.uint8), connectivity=8)
    starts = np.bincount(parts[band & (dist <= EDGE_PX + 2)], minlength=n) > 0
    starts[0] = False
    out: Bool = starts[parts]
    return out
