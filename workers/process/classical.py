"""The classical page analyser: lines grouped into blocks by geometry, glyph masks from
local contrast, flat/textured decided on a ring around the glyphs. No model weights."""

from __future__ import annotations

from workers.lang import detect_source_lang
from workers.process.classify import classify_block
from workers.process.grouping import make_blocks
from workers.process.mask import build_mask, flat_background
from workers.types import Image, PageLayout, PageText

# Languages whose comics are read right to left when set vertically.
RTL_VERTICAL = frozenset({"ja", "zh", "zh-TW"})


class ClassicalAnalyser:
    name = "classical"

    def analyse(self, image: Image, text: PageText, source: str) -> PageLayout:
        height, width = image.shape[:2]
        lines = text.lines
        lang = source if source != "auto" else text.lang or detect_source_lang(
            ln.text for ln in lines)
        vertical_share = sum(ln.vertical for ln in lines) / max(len(lines), 1)
        right_to_left = lang in RTL_VERTICAL and vertical_share >= 0.3
        blocks = make_blocks(lines, right_to_left, [flat_background(image, ln) for ln in lines])
        mask = build_mask(image, [ln for b in blocks for ln in b.lines])
        for block in blocks:
            block.erase, block.background = classify_block(image, mask, block)
        return PageLayout(width, height, blocks, mask, lang or "en")
