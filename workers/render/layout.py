"""Fitting a translation into a room at a size: line breaks, line count, placement.

Text is measured once per token at a reference size and scaled, since advance widths scale
linearly (Pillow's layout is unhinted). At a size, the block of n lines is centred on the
room's centroid (shifted up or down a little when that is what makes it fit) and each line
gets the span the room allows at its height (`room.Room.span`); the text is broken greedily
into those spans. Among the line counts that fit, the one whose shape is closest to the
room's is kept, with its lines narrowed evenly as far as they go (balanced lines that follow
an ellipse, not two full lines and a lone word).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from PIL import ImageFont

from workers.render.fontdb import FontFace
from workers.render.room import Room, Span
from workers.render.wrap import Breaker, Broken, Splitter, graphemes, tokenize

REF_SIZE = 256
# Baseline-to-baseline distance in font sizes (horizontal), column pitch (vertical).
LINE_SPACING = 1.12
COLUMN_SPACING = 1.35
# Where the block may move from the centroid to fit, as shares of the room's height.
_OFFSETS = (0.0, -0.08, 0.08, -0.16, 0.16)
_BALANCE_STEPS = 7
RAGGED_WEIGHT = 1.5
# Pixels kept free at each end of a line: ink overhangs the advance width by a pixel or so
# (a leading "j", a trailing "f") and sizes round.
INK_PAD = 1
_MAX_LINES = 24
_CACHE_LIMIT = 50_000


def stroke_width(size: int) -> int:
    """Outline thickness for a font size: visible at small sizes, not blobby at large ones."""
    return max(2, round(size * 0.11))


class RefFont:
    """Advance widths and ink extents of one face at REF_SIZE, shared by every size."""

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
_refs: dict[FontFace, RefFont] = {}


def ref_font(face: FontFace) -> RefFont:
    with _ref_lock:
        ref = _refs.get(face)
        if ref is None:
            ref = RefFont(face)
            _refs[face] = ref
        return ref


@dataclass(frozen=True, slots=True)
class Placed:
    """Lines at a size in a room. Per line: `cross` is the baseline (horizontal) or the
    column's centre line (vertical) in the room's frame, `span` where the line may sit along
    it; `axis` is where lines are centred along when the span allows."""

    size: int
    lines: tuple[str, ...]
    cross: tuple[float, ...]
    spans: tuple[Span, ...]
    widths: tuple[float, ...]
    axis: float
    stroke: int
    hyphens: int


class Fitter:
    """One block's text in one room, tried at any size."""

    def __init__(self, text: str, face: FontFace, room: Room, *, by_chars: bool,
                 splitter: Splitter | None, air_em: float, outline: bool) -> None:
        self.room = room
        self.vertical = room.vertical
        self.air_em = air_em
        self.outline = outline
        tokens = tokenize(text, by_chars)
        if self.vertical:
            # Upright characters in a column: each takes one em cell.
            self.breaker = Breaker(tokens, lambda s: float(REF_SIZE * len(graphemes(s))))
            self.asc_ref = self.desc_ref = REF_SIZE / 2
        else:
            ref = ref_font(face)
            self.breaker = Breaker(tokens, ref, splitter)
            self.asc_ref, self.desc_ref = ref.ink_extent(text)
        self._memo: dict[tuple[int, bool, float], Placed | None] = {}

    def metrics(self, size: int) -> tuple[int, float, float, int, int]:
        """(pitch, ascent, descent, stroke, air) in pixels at `size`."""
        k = size / REF_SIZE
        pitch = round(size * (COLUMN_SPACING if self.vertical else LINE_SPACING))
        stroke = stroke_width(size) if self.outline else 0
        air = max(1, round(self.air_em * size)) if self.air_em > 0 else 0
        return pitch, self.asc_ref * k, self.desc_ref * k, stroke, air

    def fits(self, size: int, hyphenate: bool, air_em: float | None = None) -> bool:
        return self.place(size, hyphenate, air_em, balance=False) is not None

    def max_size(self, lo: int, hi: int, hyphenate: bool, air_em: float | None = None) -> int:
        """The largest size in [lo, hi] that fits (with `air_em` instead of the fitter's own
        air when given); 0 when none does."""
        if hi < lo or not self.fits(lo, hyphenate, air_em):
            return 0
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.fits(mid, hyphenate, air_em):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def place(self, size: int, hyphenate: bool, air_em: float | None = None, *,
              balance: bool = True) -> Placed | None:
        key = (size, hyphenate, self.air_em if air_em is None else air_em)
        if not balance and key in self._memo:
            return self._memo[key]
        saved = self.air_em
        if air_em is not None:
            self.air_em = air_em
        try:
            placed = self._place(size, hyphenate, balance)
        finally:
            self.air_em = saved
        if not balance:
            self._memo[key] = placed
        return placed

    def _place(self, size: int, hyphenate: bool, balance: bool) -> Placed | None:
        pitch, asc, desc, stroke, air = self.metrics(size)
        k = size / REF_SIZE
        thick = asc + desc + 2 * stroke
        most = int((self.room.cross_size - thick - 2 * air) // pitch) + 1
        # Fewer lines than this cannot hold the text even at the room's widest.
        widest = max(1.0, (self.room.along_size - 2 * (stroke + air)) / k)
        fewest = max(1, math.ceil(self.breaker.total / widest))
        best: tuple[float, Placed] | None = None
        for n in range(fewest, min(most, _MAX_LINES) + 1):
            found = self._try_lines(n, size, hyphenate, balance)
            if found is None:
                continue
            if not balance:
                return found
            score = self._score(found, pitch, thick)
            if best is None or score < best[0]:
                best = (score, found)
            elif best is not None and n > len(best[1].lines) + 3:
                break
        return best[1] if best else None

    def _try_lines(self, n: int, size: int, hyphenate: bool, balance: bool) -> Placed | None:
        pitch, asc, desc, stroke, air = self.metrics(size)
        k = size / REF_SIZE
        total = (n - 1) * pitch + asc + desc + 2 * stroke
        for share in _OFFSETS:
            top = self.room.cross_center - total / 2 + share * self.room.cross_size
            cross = [top + stroke + asc + i * pitch for i in range(n)]
            spans = [self.room.span(c - asc - stroke, c + desc + stroke, air) for c in cross]
            if any(s is None for s in spans):
                continue
            got = [s for s in spans if s is not None]
            widths = [(s.length - 2 * (stroke + INK_PAD)) / k for s in got]
            broken = self.breaker.break_into(widths, hyphenate=hyphenate)
            if broken is None or len(broken.lines) != n:
                continue
            if balance:
                broken = self._balanced(widths, n, broken, hyphenate)
            return Placed(size, broken.lines, tuple(cross), tuple(got),
                          tuple(w * k for w in broken.widths), self.room.axis, stroke,
                          broken.hyphens)
        return None

    def _balanced(self, widths: list[float], n: int, broken: Broken,
                  hyphenate: bool) -> Broken:
        """The narrowest even scaling of `widths` that still holds the text in n lines."""
        lo, hi = 0.3, 1.0
        for _ in range(_BALANCE_STEPS):
            mid = (lo + hi) / 2
            trial = self.breaker.break_into([w * mid for w in widths], hyphenate=hyphenate)
            if trial is not None and len(trial.lines) == n and trial.hyphens <= broken.hyphens:
                broken, hi = trial, mid
            else:
                lo = mid
        return broken

    def _score(self, placed: Placed, pitch: int, thick: float) -> float:
        """Lower is better: a text block shaped like the room, lines that fill their place
        (no lone short word mid-block), few hyphens."""
        width = max(placed.widths, default=1.0) + 2 * placed.stroke
        height = (len(placed.lines) - 1) * pitch + thick
        room_aspect = max(1, self.room.along_size) / max(1, self.room.cross_size)
        mismatch = abs(math.log(max(width, 1.0) / max(height, 1.0) / room_aspect))
        # Each line against the widest of its neighbours: an ellipse narrows gradually, so a
        # line far shorter than the ones around it is ragged, not shaped.
        ragged = 0.0
        w = placed.widths
        for i in range(len(w) - 1):
            near = max(w[max(0, i - 1) : i + 2])
            ragged += (1.0 - w[i] / near) ** 2 if near > 0 else 0.0
        return mismatch + RAGGED_WEIGHT * ragged + 2.0 * placed.hyphens
