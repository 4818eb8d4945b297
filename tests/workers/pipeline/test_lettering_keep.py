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


def test_a_block_too_small_to_letter_keeps_its_original_lettering() -> None:
    from workers.pipeline.lettering import letter

    # A name tag on a wide page: a box 40x18 px whose room is far under the readable floor
    # (1.6 % of 1600 px).
    original = np.full((300, 1600, 3), 255, np.uint8)
    original[100:101, 100:141] = original[118:119, 100:141] = 0
    original[100:119, 100:101] = original[100:119, 140:141] = 0
    original[105:114, 106:134] = 40
    mask = np.zeros((300, 1600), np.uint8)
    mask[104:115, 105:135] = 255
    layout = PageLayout(1600, 300, [block(0, (106, 105, 134, 114), "アヤネ")], mask, "ja")
    layout.blocks[0].lines[0] = TextLine(((106, 105), (134, 105), (134, 114), (106, 114)),
                                         "アヤネ", 0.9, False)
    erased = original.copy()
    erased[mask > 0] = 255
    image, blocks = letter(original, erased, layout, ["Ayane, the committee's secretary"],
                           "en", None)
    assert blocks[0].too_small
    assert (image[105:114, 106:134] == 40).all(), "the original name is back"
    assert (image[100, 100:141] == 0).all(), "the tag's frame untouched"
