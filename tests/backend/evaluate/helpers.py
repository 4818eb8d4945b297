"""Synthetic pipeline values for the metric tests: lines, blocks, rendered blocks."""

from __future__ import annotations

from workers.types import RGB, Block, Box, RenderedBlock, TextLine


def line(box: Box, text: str, vertical: bool = False) -> TextLine:
    x0, y0, x1, y1 = box
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.9, vertical)


def block(index: int, lines: list[TextLine]) -> Block:
    boxes = [ln.bbox for ln in lines]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))
    return Block(index, bbox, lines, "h")


def rendered(index: int, box: Box, translation: str, source: str = "ソース",
             font_size: int = 20, fg: RGB = (0, 0, 0), overflow: bool = False) -> RenderedBlock:
    return RenderedBlock(index, box, "h", source, translation, font_size, fg, "fill",
                         overflow=overflow)
