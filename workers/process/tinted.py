"""Lettering in a colour of its own on art: its strokes are found by that colour.

The top-hat finds strokes by their darkness against a window about a line wide. Letters in
a saturated colour (white letters in a magenta rim, red letters) over light art of another
hue are found where the ground is plain, and lost where the art beside them is as dark as
they are: the rims merge with the drawing and run out of the line boxes, and the light
strokes win with the ground between the columns (manga-image-translator's colour page,
whose mask was one blob over the art, the rims left at its edge). The colour of the dark
strokes that were found, when it is saturated, finds them all: every pixel near it inside
the line boxes (`keep` drops what runs out of them). As for any strokes, the letter-sized
holes of one tone they close (a rimmed letter's inside) are the glyph's too.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from workers.process.keep import Area, keep
from workers.process.morph import Bool
from workers.types import Image

# The strokes' colour is the lettering's own when it is at least this saturated (the
# distance from grey on CIELAB's a*b* plane, in OpenCV's 8-bit units).
MIN_CHROMA = 40.0
# A pixel within this distance (CIELAB, 8-bit units) of that colour is lettering.
SAME_TINT = 30.0
# At least this many stroke pixels to take a colour from.
MIN_PX = 50


class Tinted(NamedTuple):
    strokes: Bool
    candidates: Bool


def tinted(image: Image, strokes: Bool, where: Area) -> Tinted | None:
    """The strokes of `strokes`' own colour over `image` (the same pixels) inside `where`,
    with every pixel of that colour as candidates; None when the colour is no tint."""
    if int(strokes.sum()) < MIN_PX:
        return None
    # The strokes' pixels alone decide; the crop is converted only for a tint (most
    # lettering is black, and every textured block comes here).
    ink = np.ascontiguousarray(image[strokes][:, None, :])
    colour = np.median(cv2.cvtColor(ink, cv2.COLOR_RGB2LAB)[:, 0, :].astype(np.float32), axis=0)
    if float(np.hypot(colour[1] - 128.0, colour[2] - 128.0)) < MIN_CHROMA:
        return None
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    near: Bool = np.sqrt(((lab - colour) ** 2).sum(axis=2)) < SAME_TINT
    found = keep(near, where).glyphs
    return Tinted(found, near) if found.any() else None
