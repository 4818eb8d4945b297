"""The sidecar of an erase-only job gives each block the box a translation would be fitted
into: a bubble's or caption's own, but for text on a panel's white (whose `bubble` is the
panel, to clip its erasing) the text's own box, as lettering would use."""

from __future__ import annotations

import numpy as np

from workers.pipeline.stages import unrendered
from workers.types import Block, BlockKind, Box, Bubble, PageLayout, TextLine


def _block(index: int, box: Box, kind: BlockKind, region: Box) -> Block:
    x0, y0, x1, y1 = box
    line = TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), "テキスト", 0.9, True)
    rx0, ry0, rx1, ry1 = region
    bubble = Bubble(region, np.full((ry1 - ry0, rx1 - rx0), 255, np.uint8),
                    ((rx0, ry0), (rx1, ry0), (rx1, ry1), (rx0, ry1)), (255, 255, 255))
    return Block(index, box, [line], "v", "fill", kind=kind, bubble=bubble)


def test_panel_text_reports_its_own_box_and_a_bubble_its_bubble() -> None:
    panel = (10, 10, 390, 290)
    layout = PageLayout(400, 300, [_block(0, (300, 40, 340, 200), "art", panel),
                                   _block(1, (60, 40, 100, 160), "bubble", (40, 20, 120, 180))],
                        np.zeros((300, 400), np.uint8), "ja")
    on_panel, in_bubble = unrendered(layout)
    assert on_panel.bbox == (300, 40, 340, 200) and on_panel.bubble is None
    assert in_bubble.bbox == (40, 20, 120, 180) and in_bubble.bubble is not None
