"""One lettering size per page, as a letterer sets it.

Every block first finds the largest size it could take (`layout.Fitter.max_size`), capped by
the source lettering: a short translation in a roomy balloon must not balloon itself. The
page's size is then the size most of its balloons can take (the lower quartile of what they
could take), and every block is lettered at that size; a block that cannot hold it steps down
to the largest size it can. Emphasis survives: a block whose source lettering is clearly
larger than the page's usual (a shout, a title) is set that much larger, within limits, and
one whose strokes are clearly heavier is lettered in the bold-italic cut when the family has
one.

Under the readable floor (1.6% of the page width, a spread's page being half the image; at
least `MIN_FONT_SIZE` px) a block is
not lettered at all and is flagged (`RenderedBlock.too_small`): text a reader cannot read
helps nobody, and the flag lets a person fix that balloon by hand.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workers.types import Block, Image, Mask

MIN_FONT_SIZE = 10
FLOOR_SHARE = 0.016
# Wider than tall by this much: two pages side by side.
SPREAD_RATIO = 1.2
# The cap: this many times the source glyph size (a Latin font's size matches a CJK glyph).
CAP_SCALE = 1.1
# Emphasis: source glyphs this much larger than the page's median are set larger, by at most
# MAX_EMPHASIS.
EMPHASIS_FROM = 1.25
MAX_EMPHASIS = 1.3
# Stroke thickness over glyph size above the page's median by this factor reads as bold.
BOLD_FROM = 1.35
# Which of the page's balloons set its size: the lower quartile of what they can take.
PAGE_QUANTILE = 0.25


def page_width(width: int, height: int) -> int:
    """The width of one page: half of a two-page spread (an image clearly wider than tall),
    which a reader sees at a page's scale, not at the double page's."""
    return width // 2 if width > SPREAD_RATIO * height else width


def readable_floor(width: int, height: int = 0) -> int:
    """The smallest size worth lettering on an image of this size (height 0: not a spread)."""
    return max(MIN_FONT_SIZE, math.ceil(FLOOR_SHARE * page_width(width, height)))


@dataclass(frozen=True, slots=True)
class Emphasis:
    """How much larger than the page's size a block is set, and whether in bold."""

    scale: float = 1.0
    bold: bool = False


def emphasis(blocks: Sequence[Block], original: Image, mask: Mask,
             lettered: Sequence[bool]) -> list[Emphasis]:
    """Per block: size and weight emphasis relative to the page's other `lettered` blocks
    (the usual dialogue; sound effects and text kept as drawn do not set the norm)."""
    sizes = [b.line_height for b in blocks]
    known = [s for s, on in zip(sizes, lettered, strict=True) if s > 0 and on]
    if not known:
        return [Emphasis() for _ in blocks]
    median = statistics.median(known)
    weights = [stroke_share(original, mask, b) if on else 0.0
               for b, on in zip(blocks, lettered, strict=True)]
    measured = [w for w in weights if w > 0]
    median_w = statistics.median(measured) if measured else 0.0
    out = []
    for size, weight in zip(sizes, weights, strict=True):
        ratio = size / median if median > 0 else 1.0
        scale = min(ratio, MAX_EMPHASIS) if ratio >= EMPHASIS_FROM else 1.0
        bold = len(measured) >= 3 and median_w > 0 and weight >= BOLD_FROM * median_w
        out.append(Emphasis(scale, bold))
    return out


def stroke_share(original: Image, mask: Mask, block: Block) -> float:
    """The source glyphs' stroke thickness over their size (0 when unmeasurable): twice the
    ink's area over its outline's length, the mean width of a stroke."""
    if block.line_height <= 0:
        return 0.0
    h, w = mask.shape
    x0, y0, x1, y1 = block.bbox
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    grey = cv2.cvtColor(np.ascontiguousarray(original[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    sel = mask[y0:y1, x0:x1] > 0
    if sel.sum() < 16:
        return 0.0
    inside = grey[sel]
    lo, hi = float(np.percentile(inside, 5)), float(np.percentile(inside, 95))
    if hi - lo < 40:
        return 0.0
    # The ink is whichever end of the range is rarer around the glyphs' mask (dark on light
    # or light on dark).
    dark = float(np.median(grey)) > (lo + hi) / 2
    ink = (grey < (lo + hi) / 2) if dark else (grey > (lo + hi) / 2)
    ink &= sel
    area = float(ink.sum())
    contours, _ = cv2.findContours(ink.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    if perimeter <= 0:
        return 0.0
    return 2.0 * area / perimeter / block.line_height


def page_cap(blocks: Sequence[Block]) -> int:
    """The size cap from the page's source lettering (0 when nothing was measured)."""
    known = [b.line_height for b in blocks if b.line_height > 0]
    return round(CAP_SCALE * statistics.median(known)) if known else 0


def page_size(fits: Sequence[float], floor: int) -> int:
    """The page's size from what its balloons could take at most (each already divided by
    its emphasis): the lower quartile, never under the floor."""
    usable = sorted(f for f in fits if f > 0)
    if not usable:
        return floor
    k = int(PAGE_QUANTILE * len(usable))
    return max(floor, int(usable[k]))
