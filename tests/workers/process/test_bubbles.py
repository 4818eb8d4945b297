"""The fill colour measured around a block's glyphs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from tests.workers.process.pages import blank, ellipse, text
from workers.process import bubbles
from workers.process.bubbles import fill_near
from workers.process.colours import line_fill
from workers.process.glyphs import Glyphs
from workers.process.layout import analyse_page
from workers.process.regions import Region, find_region
from workers.types import Box, Image, PageText


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


def test_a_line_whose_own_search_stopped_short_joins_the_bubble_found_later(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Bigger lines are searched first. When the first line's search comes to nothing (on a
    # page: it stopped on a spike of the outline), the bubble found from the next line was
    # judged with both lines inside it, and both are its lines: one text, one block.
    page = blank(300, 440)
    ellipse(page, (220, 150), (200, 120))
    text(page, "WHAT ARE YOU", (120, 140), scale=1.2)
    text(page, "DOING", (170, 180), scale=1.0)
    real = find_region
    searched: list[Box] = []

    def stopping_short(image: Image, boxes: Sequence[Box], *args: Any, **kwargs: Any,
                       ) -> Region:
        region = real(image, boxes, *args, **kwargs)
        searched.append(boxes[0])
        if boxes[0] == page.lines[0].bbox:
            return replace(region, enclosed=False)
        return region

    monkeypatch.setattr(bubbles, "find_region", stopping_short)
    fills = [line_fill(page.image, ln.bbox) for ln in page.lines]
    found = bubbles.find_bubbles(page.image, page.lines, fills)
    assert searched[0] == page.lines[0].bbox, "the bigger line went first"
    assert len(found.regions) == 1 and found.owners == [0, 0]
    layout = analyse_page(page.image, PageText(page.lines), "en")
    assert [b.source_text for b in layout.blocks] == ["WHAT ARE YOU DOING"]
