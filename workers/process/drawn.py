"""Sound effects drawn on a white ground: a few kana in strokes much bolder than the page's
lettering ("らん" beside a cat's head, over a wash of grey, on mokuro nyan_002a). They sit on
the same white as text set on a panel or on open ground, and are no taller than its lines,
so only their strokes tell them apart. They keep their pixels, like a sound effect on the
art: filled with the white, the grey they are drawn over was cut out with them, and a
stroke on the grey stayed.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from workers.process.glyphs import Glyphs
from workers.types import RGB, Block

# At most this many letters, all kana (marks not counted) ...
SFX_LETTERS = 3
# ... in strokes at least this many times as thick as the page's usual lettering.
BOLD = 1.6
# Ink: at least this many grey levels off the block's background.
INK_LEVELS = 100


def _is_kana(ch: str) -> bool:
    o = ord(ch)
    return 0x3041 <= o <= 0x30FA or 0xFF66 <= o <= 0xFF9D


def _few_kana(text: str) -> bool:
    letters = [ch for ch in text if ch.isalnum()]
    return 0 < len(letters) <= SFX_LETTERS and all(_is_kana(ch) for ch in letters)


def _level(colour: RGB) -> float:
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b


def stroke_width(glyphs: Glyphs, grey: np.ndarray, background: RGB) -> float:
    """The mean thickness of the strokes under the glyph mask (twice their area over their
    perimeter): the mask is grown over the anti-aliasing, the ink in it is not."""
    x0, y0, x1, y1 = glyphs.box
    off = np.abs(grey[y0:y1, x0:x1].astype(np.int16) - _level(background)) > INK_LEVELS
    ink = (glyphs.mask & off).astype(np.uint8)
    area = int(ink.sum())
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def drawn_effects(planned: Sequence[tuple[Block, Glyphs]], grey: np.ndarray) -> set[int]:
    """Indices of the blocks on a white ground (filled, lettered as text on the art) that
    are a few kana drawn in strokes at least BOLD times the page's usual ones."""
    # The page's strokes are measured only when a block could be one (most pages have none).
    candidates = [b.index for b, _ in planned
                  if b.kind == "art" and b.erase == "fill" and _few_kana(b.source_text)]
    if not candidates:
        return set()
    widths = {b.index: stroke_width(g, grey, b.background) for b, g in planned}
    known = [w for w in widths.values() if w > 0]
    if len(known) < 2:
        return set()
    usual = statistics.median(known)
    return {i for i in candidates if widths[i] >= BOLD * usual}
