"""The fill colour measured around a block's glyphs."""

from __future__ import annotations

import numpy as np

from workers.process.bubbles import fill_near
from workers.process.glyphs import Glyphs
from workers.process.regions import Region


def test_a_ring_of_two_unlike_colours_still_gives_a_colour() -> None:
    # A checkerboard of red and cyan around the glyphs: the channels' medians match no
    # pixel of the ring (a CMYK scan's colours can do this), so none is "near" them.
    image = np.zeros((40, 40, 3), np.uint8)
    yy, xx = np.mgrid[:40, :40]
    image[(yy + xx) % 2 == 0] = (220, 0, 0)
    image[(yy + xx) % 2 == 1] = (0, 220, 220)
    glyph = np.zeros((40, 40), bool)
    glyph[16:24, 12:28] = True
    flat = np.ones((40, 40), bool)
    region = Region((0, 0, 40, 40), flat, flat, True, (255, 255, 255))
    colour = fill_near(image, region, Glyphs((0, 0, 40, 40), glyph, 1), 12.0)
    assert len(colour) == 3 and all(0 <= c <= 255 for c in colour)
    assert colour != region.fill, "measured from the ring, not the region's default"
