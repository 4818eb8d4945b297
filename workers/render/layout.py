"""Fitting a translation into a box: font size, line breaks, line spacing.

The size is the largest that fits, found by binary search between a readable floor and a cap
relative to the source lettering (so a short translation does not balloon in a big bubble).
Text is measured once per token at a reference size and scaled, since advance widths scale
linearly (Pillow's layout is unhinted); the chosen size is then checked against the real font,
which absorbs the pixel or two of rounding in glyph heights.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from PIL import ImageFont

from workers.render.fontdb import FontFace
from workers.render.fonts import load_font
from workers.render.scripts import CHAR_WRAPPED, base_lang
from workers.render.wrap import Wrapper, tokenize
from workers.types import is_cjk_char

MIN_FONT_SIZE = 10
MAX_SCALE = 1.3
REF_SIZE = 256
# Baseline-to-baseline distance in font sizes: CJK text needs more air between lines.
LINE_SPACING = 1.15
LINE_SPACING_CJK = 1.25
# Free pixels kept on each side of the box for anti-aliasing and hinting.
PAD = 1
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Fit:
    """Lines at a size. `ink` holds each line's horizontal ink extent (x0, x1) from its
    origin; `ascent`/`descent` are the ink extents around the first and last baselines;
    `width` is the widest line's ink and `height` spans the ink of all lines, both without the
    outline."""

    lines: tuple[str, ...]
    ink: tuple[tuple[int, int], ...]
    font_size: int
    line_pitch: int
    ascent: int
    descent: int
    stroke: int
    width: int
    height: int
    overflow: bool


def stroke_width(size: int) -> int:
    """Outline thickness for a font size: visible at small sizes, not blobby at large ones."""
    return max(1, round(size / 12))


def wraps_by_chars(target: str, text: str) -> bool:
    """Japanese and Chinese break between characters; so does unspaced CJK text in any target."""
    if base_lang(target) in CHAR_WRAPPED:
        return True
    stripped = text.strip()
    if " " in stripped or not stripped:
        return False
    cjk = sum(1 for ch in stripped if is_cjk_char(ch) and not 0xAC00 <= ord(ch) <= 0xD7AF)
    return cjk * 2 > len(stripped)


class _RefWidths:
    """Token advance widths at REF_SIZE for one face, shared by all sizes."""

    def __init__(self, face: FontFace) -> None:
        # Its own font object, used only under `lock`: shared by every thread.
        self.font = ImageFont.truetype(str(face.path), REF_SIZE, index=face.index)
        self.widths: dict[str, float] = {}
        self.lock = threading.Lock()

    def ink_extent(self, text: str) -> tuple[float, float]:
        """Ink above and below the baseline for `text` at the reference size."""
        with self.lock:
            _x0, top, _x1, bottom = self.font.getbbox(text or "x", anchor="ls")
        return max(0.0, -float(top)), max(0.0, float(bottom))

    def __call__(self, text: str) -> float:
        w = self.widths.get(text)
        if w is None:
            with self.lock:
                if len(self.widths) > _CACHE_LIMIT:
                    self.widths.clear()
                w = float(self.font.getlength(text))
                self.widths[text] = w
        return w


_ref_lock = threading.Lock()
_refs: dict[FontFace, _RefWidths] = {}


def _ref_widths(face: FontFace) -> _RefWidths:
    with _ref_lock:
        ref = _refs.get(face)
        if ref is None:
            ref = _RefWidths(face)
            _refs[face] = ref
        return ref


def size_range(source_size: float, box_h: int) -> tuple[int, int]:
    """(floor, cap) for the font size: up to 1.3x the source glyph size, never under the
    readable floor. Without a source size the box height is the only cap."""
    cap = round(source_size * MAX_SCALE) if source_size > 0 else box_h
    return MIN_FONT_SIZE, max(MIN_FONT_SIZE, cap)


def fit_text(
    text: str,
    box_w: int,
    box_h: int,
    face: FontFace,
    *,
    by_chars: bool,
    min_size: int = MIN_FONT_SIZE,
    max_size: int = 48,
    outline: bool = False,
) -> Fit:
    """The largest size in [min_size, max_size] at which `text` fits `box_w` x `box_h`; at
    `min_size` with `overflow=True` when even that does not fit."""
    tokens = tokenize(text, by_chars)
    spacing = LINE_SPACING_CJK if by_chars else LINE_SPACING
    ref = _ref_widths(face)
    wrapper = Wrapper(tokens, ref)
    asc_ref, desc_ref = ref.ink_extent("".join(t.text for t in tokens))

    def fits(size: int, allow_breaks: bool) -> bool:
        stroke = stroke_width(size) if outline else 0
        avail_w = box_w - 2 * (stroke + PAD)
        avail_h = box_h - 2 * (stroke + PAD)
        if avail_w <= 0 or avail_h <= 0:
            return False
        k = size / REF_SIZE
        n, width_ref, broke = wrapper.widest(avail_w / k)
        height = (n - 1) * round(size * spacing) + math.ceil((asc_ref + desc_ref) * k) + 2
        return width_ref * k <= avail_w and height <= avail_h and (allow_breaks or not broke)

    # Breaking a word between characters is a last resort: a smaller size that keeps every
    # word whole wins over a larger one that splits "impossible" into "impossib" + "le".
    allow_breaks = by_chars or not fits(min_size, False)
    lo, hi = min_size, max(min_size, max_size)
    if not fits(lo, allow_breaks):
        return _measure(wrapper, face, lo, box_w, spacing, outline, overflow=True)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid, allow_breaks):
            lo = mid
        else:
            hi = mid - 1
    # The estimate rounds ink heights; the real font decides, stepping down if needed.
    for size in range(lo, max(min_size, lo - 4) - 1, -1):
        fit = _measure(wrapper, face, size, box_w, spacing, outline, overflow=False)
        margin = 2 * (fit.stroke + PAD)
        if fit.width + margin <= box_w and fit.height + margin <= box_h:
            return fit
    return _measure(wrapper, face, min_size, box_w, spacing, outline, overflow=True)


def _measure(
    wrapper: Wrapper,
    face: FontFace,
    size: int,
    box_w: int,
    spacing: float,
    outline: bool,
    *,
    overflow: bool,
) -> Fit:
    """Wrap at `size` and measure the lines with the real font at that size."""
    stroke = stroke_width(size) if outline else 0
    k = size / REF_SIZE
    avail_w = max(1, box_w - 2 * (stroke + PAD))
    lines = wrapper.balanced(avail_w / k)
    font = load_font(face, size)
    boxes = [font.getbbox(line, anchor="ls") for line in lines] or [(0, 0, 0, 0)]
    ink = tuple((int(b[0]), int(b[2])) for b in boxes)
    width = max(x1 - x0 for x0, x1 in ink)
    # Inner lines stay within the pitch; the first and last lines bound the block's ink.
    ascent = max(0, -int(boxes[0][1]))
    descent = max(0, int(boxes[-1][3]))
    pitch = round(size * spacing)
    height = (len(lines) - 1) * pitch + ascent + descent
    return Fit(tuple(lines), ink, size, pitch, ascent, descent, stroke, width, height, overflow)
