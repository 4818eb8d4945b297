"""Lettering figures (../shared/EVAL.md, "Lettering"): inside, mid-word breaks, size spread,
readable floor, contrast.

Only blocks whose translation differs from their source are judged (the others keep the
artist's lettering). Everything is computed from what a sidecar says (`bubble`, `lines`,
`font_size`, `fg`) and the output image, so pages from anywhere are measured the same way:
`from_sidecar` reads a sidecar's JSON blocks, `from_rendered` the pipeline's own values.

- inside: a line is inside when its four bbox corners lie inside the bubble polygon or within
  `INSIDE_TOLERANCE` px of it; lines of blocks without a bubble count as inside. `worst_out`
  is how far the worst corner lies outside (0 when none does).
- mid-word breaks: line ends where the translation has a letter on both sides of the break and
  the line does not end with a hyphen; breaks at a hyphen the lettering added between two
  letters are `hyphenated`. Letters are alphabetic characters outside the scripts that break
  between any two characters (kana, han).
- size spread: largest / smallest `font_size` among the page's lettered blocks in bubbles.
- readable floor: the page's smallest `font_size`, per thousand of the page width (a two-page
  spread's page being half the image: `workers.render.sizing.page_width`).
- contrast: WCAG ratio between the lettering colour and the median colour right behind it: the
  output's pixels in a ring around the glyphs (the glyphs being the pixels of the lettering
  colour in each line's box; the ring from 2 px out to 8% of the font size), which is the
  background, or the stroke where there is one. A block's figure is its worst line's.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from workers.render.color import contrast_ratio
from workers.render.sizing import page_width
from workers.types import RGB, Box, Image, Polygon, RenderedBlock

INSIDE_TOLERANCE = 2.0
# Pixels this close (largest channel difference) to the lettering colour are its glyphs.
GLYPH_DISTANCE = 60
MIN_CONTRAST = 7.0
# The ring behind the glyphs: from past their anti-aliased edge out to this share of the font
# size (at least 2 px): what a reader sees right next to the strokes.
RING_SHARE = 0.08


@dataclass(frozen=True, slots=True)
class Lettered:
    """What the figures need of one block."""

    source_text: str
    translation: str
    font_size: int
    fg: RGB
    bubble: Polygon | None
    lines: tuple[tuple[str, Box], ...]
    too_small: bool = False


@dataclass(frozen=True, slots=True)
class BlockLettering:
    index: int
    font_size: int
    in_bubble: bool
    lines: int
    inside: int
    worst_out: float
    mid_word: int
    hyphenated: int
    contrast: float | None
    too_small: bool


@dataclass(slots=True)
class LetteringScore:
    blocks: list[BlockLettering]
    # Largest / smallest size among lettered blocks in bubbles (None: fewer than one).
    spread: float | None
    min_size: int
    floor_per_mille: float | None

    @property
    def lines(self) -> int:
        return sum(b.lines for b in self.blocks)

    @property
    def inside(self) -> int:
        return sum(b.inside for b in self.blocks)


def from_rendered(blocks: Sequence[RenderedBlock]) -> list[Lettered]:
    return [Lettered(b.source_text, b.translation, b.font_size, b.fg, b.bubble,
                     tuple((ln.text, ln.bbox) for ln in b.lines), b.too_small)
            for b in blocks]


def from_sidecar(blocks: Sequence[Mapping[str, Any]]) -> list[Lettered]:
    """Sidecar JSON blocks (`itp translate`'s `<stem>.json`)."""
    out = []
    for b in blocks:
        poly = b.get("bubble")
        bubble = tuple((int(p[0]), int(p[1])) for p in poly) if poly else None
        lines = tuple((str(ln["text"]), _box(ln["bbox"])) for ln in b.get("lines") or ())
        fg = b.get("fg") or (0, 0, 0)
        out.append(Lettered(str(b.get("source_text", "")), str(b.get("translation", "")),
                            int(b.get("font_size") or 0), (int(fg[0]), int(fg[1]), int(fg[2])),
                            bubble, lines, bool(b.get("too_small", False))))
    return out


def lettering(image: Image, blocks: Sequence[Lettered]) -> LetteringScore:
    scored = []
    for i, b in enumerate(blocks):
        if not b.translation or b.translation == b.source_text:
            continue
        inside, worst = _inside(b)
        mid, hyph = breaks(b.translation, [text for text, _ in b.lines])
        contrasts = [c for _, box in b.lines
                     if (c := line_contrast(image, box, b.fg, b.font_size)) is not None]
        scored.append(BlockLettering(
            index=i, font_size=b.font_size, in_bubble=b.bubble is not None,
            lines=len(b.lines), inside=inside, worst_out=round(worst, 1), mid_word=mid,
            hyphenated=hyph, contrast=round(min(contrasts), 2) if contrasts else None,
            too_small=b.too_small))
    sized = [s.font_size for s in scored if s.font_size > 0]
    bubbled = [s.font_size for s in scored if s.font_size > 0 and s.in_bubble]
    spread = round(max(bubbled) / min(bubbled), 3) if bubbled else None
    width = page_width(image.shape[1], image.shape[0])
    floor = round(1000 * min(sized) / width, 1) if sized and width else None
    return LetteringScore(scored, spread, min(sized, default=0), floor)


def _inside(b: Lettered) -> tuple[int, float]:
    if b.bubble is None or len(b.bubble) < 3:
        return len(b.lines), 0.0
    contour = np.asarray(b.bubble, np.float32).reshape(-1, 1, 2)
    inside, worst = 0, 0.0
    for _, (x0, y0, x1, y1) in b.lines:
        dist = min(cv2.pointPolygonTest(contour, (float(x), float(y)), True)
                   for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)))
        inside += dist >= -INSIDE_TOLERANCE
        worst = max(worst, -dist)
    return inside, worst


def _is_letter(ch: str) -> bool:
    o = ord(ch)
    # Kana and han break between any two characters: a break there is not mid-word.
    cjk = 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
    return ch.isalpha() and not cjk


def breaks(translation: str, lines: Sequence[str]) -> tuple[int, int]:
    """(mid-word breaks, hyphenated breaks) of `lines` lettering `translation`."""
    chars = [(i, ch) for i, ch in enumerate(translation) if not ch.isspace()]
    flat = "".join(ch for _, ch in chars)
    pos = mid = hyph = 0
    for line in lines[:-1]:
        text = "".join(line.split())
        added = False
        if flat.startswith(text, pos):
            end = pos + len(text)
        elif text.endswith("-") and flat.startswith(text[:-1], pos):
            end, added = pos + len(text) - 1, True
        else:
            found = flat.find(text.rstrip("-"), pos)
            if found < 0:
                continue  # the line drops characters (no font had them): not alignable
            end = found + len(text.rstrip("-"))
            added = text.endswith("-") and not flat.startswith("-", end)
        if 0 < end < len(flat):
            (a, left), (b, right) = chars[end - 1], chars[end]
            joined = b == a + 1  # no space between them in the translation
            if joined and _is_letter(left) and _is_letter(right):
                if added:
                    hyph += 1
                elif not text.endswith("-"):
                    mid += 1
        pos = end
    return mid, hyph


def line_contrast(image: Image, box: Box, fg: RGB, size: int) -> float | None:
    """Contrast of `fg` against the median colour in a ring around its glyphs in `box`."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    near = np.abs(crop.astype(np.int16) - np.asarray(fg, np.int16)).max(axis=2)
    glyphs = (near <= GLYPH_DISTANCE).astype(np.uint8)
    if glyphs.sum() < 4:
        return None
    reach = max(2, round(RING_SHARE * size))
    outer = cv2.dilate(glyphs, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    inner = cv2.dilate(glyphs, np.ones((3, 3), np.uint8))
    ring = (outer > 0) & (inner == 0)
    if ring.sum() < 4:
        return None
    r, g, b = (int(v) for v in np.median(crop[ring], axis=0))
    return contrast_ratio(fg, (r, g, b))


def _box(v: Sequence[Any]) -> Box:
    return (int(v[0]), int(v[1]), int(v[2]), int(v[3]))


def lettering_totals(scores: Sequence[LetteringScore]) -> dict[str, Any]:
    """Sums over pages; the spread as the median over pages; floor and contrast at worst."""
    blocks = [b for s in scores for b in s.blocks]
    lines = sum(b.lines for b in blocks)
    spreads = [s.spread for s in scores if s.spread is not None]
    floors = [s.floor_per_mille for s in scores if s.floor_per_mille is not None]
    contrasts = [b.contrast for b in blocks if b.contrast is not None]
    return {
        "blocks": len(blocks),
        "lines": lines,
        "inside": sum(b.inside for b in blocks),
        "inside_share": round(sum(b.inside for b in blocks) / lines, 4) if lines else None,
        "worst_out_px": max((b.worst_out for b in blocks), default=0.0),
        "mid_word": sum(b.mid_word for b in blocks),
        "hyphenated": sum(b.hyphenated for b in blocks),
        "spread_median": round(statistics.median(spreads), 3) if spreads else None,
        "spread_max": max(spreads, default=None),
        "floor_per_mille_min": min(floors, default=None),
        "too_small": sum(b.too_small for b in blocks),
        "contrast_min": min(contrasts, default=None),
        "low_contrast": sum(1 for c in contrasts if c < MIN_CONTRAST),
    }
