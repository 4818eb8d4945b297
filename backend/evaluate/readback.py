"""Which output lines OCR reads are our own lettering: the words of a block's translation
cover most of the line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from workers.types import RenderedBlock, TextLine

LINE_COVERAGE = 0.5


def words_of(text: str) -> list[str]:
    """The words that identify a translation: Latin words of three letters or more (shorter
    ones are found inside too many other words)."""
    return sorted(set(re.findall(r"[a-z]{3,}", text.casefold())))


def plain(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def is_drawn(block: RenderedBlock) -> bool:
    """Lettered by us: a translation that differs from the source, drawn at some size."""
    return bool(block.translation) and block.font_size > 0 \
        and block.translation != block.source_text


def owner(line: TextLine, blocks: Sequence[RenderedBlock]) -> RenderedBlock | None:
    """The block whose translation this output line shows, or None (source text, art).
    Words shared by several translations go to the nearest block."""
    letters = plain(line.text)
    if not letters:
        return None
    best: tuple[float, float] | None = None
    chosen = None
    cx, cy = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
    for block in blocks:
        cover = sum(len(w) for w in words_of(block.translation) if w in letters) / len(letters)
        if cover < LINE_COVERAGE:
            continue
        x0, y0, x1, y1 = block.bbox
        distance = abs((x0 + x1) / 2 - cx) + abs((y0 + y1) / 2 - cy)
        key = (-min(cover, 1.0), distance)
        if best is None or key < best:
            best, chosen = key, block
    return chosen
