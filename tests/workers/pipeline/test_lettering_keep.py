"""A kept block (its translation is its own text) gets its original pixels back, and only
its own: another block's glyphs in its margin stay erased."""

from __future__ import annotations

import numpy as np

from workers.pipeline.lettering import restore_blocks
from workers.types import Block, Box, PageLayout, TextLine


def block(index: int, box: Box, text: str) -> Block:
    x0, y0, x1, y1 = box
    line = TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.9, True)
    return Block(index, box, [line], "v", "fill")


def test_a_kept_block_leaves_the_next_columns_glyphs_erased() -> None:
    original = np.full((120, 160, 3), 255, np.uint8)
    # "あ？" in a small bubble at x 20-40, and the last column of a big bubble at x 46-56,
    # partly within the small block's margin of half a line (20 px wide columns: 10 px).
    original[30:90, 24:36] = 0
    original[20:100, 46:56] = 0
    mask = np.where(original[..., 0] == 0, 255, 0).astype(np.uint8)
    layout = PageLayout(160, 120, [block(0, (20, 28, 44, 92), "あ？"),
                                   block(1, (44, 18, 150, 102), "みるか？")], mask, "ja")
    layout.blocks[0].lines[0] = TextLine(((20, 28), (40, 28), (40, 92), (20, 92)), "あ？", 0.9,
                                         True)
    erased = np.full_like(original, 255)
    out = restore_blocks(original, erased, layout, [True, False])
    assert (out[30:90, 24:36] == 0).all(), "the kept block's own glyphs are back"
    assert (out[20:100, 46:56] == 255).all(), "the other block's column stays erased"
