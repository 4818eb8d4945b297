"""The process stage: lines -> blocks in reading order, text mask, flat/textured per block."""

from __future__ import annotations

from collections.abc import Sequence

from workers.lang import detect_source_lang
from workers.process.classify import classify_block
from workers.process.grouping import make_blocks
from workers.process.mask import build_mask, flat_background
from workers.types import Image, PageLayout, TextLine

# Languages whose comics are read right to left when set vertically.
RTL_VERTICAL = frozenset({"ja", "zh", "zh-TW"})


def analyse(image: Image, lines: Sequence[TextLine], source: str = "auto") -> PageLayout:
    height, width = image.shape[:2]
    lang = detect_source_lang(ln.text for ln in lines) if source == "auto" else source
    vertical_share = sum(ln.vertical for ln in lines) / max(len(lines), 1)
    right_to_left = lang in RTL_VERTICAL and vertical_share >= 0.3
    blocks = make_blocks(lines, right_to_left, [flat_background(image, ln) for ln in lines])
    mask = build_mask(image, [ln for b in blocks for ln in b.lines])
    for block in blocks:
        block.erase, block.background = classify_block(image, mask, block)
    return PageLayout(width, height, blocks, mask, lang)
