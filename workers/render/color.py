"""The colours a translation is lettered in: fill, and a stroke where the background needs one.

The fill is the source lettering's colour: the glyph pixels (under the text mask, in the
original) farthest from the background are the ink's core, and their dominant colour (the
fullest histogram bin, not the mean, which anti-aliasing pulls towards the paper) is the ink.
Near-black ink is lettered pure black and near-white pure white, as a letterer would; other
colours (a red shout, a blue caption) keep their hue. Whatever sits right behind the letters
must contrast at least 7:1 with them (WCAG's bar for body text): on a flat background the
fill is darkened or lightened until it does; on art, screentone, or a background no fill can
reach 7:1 against, the letters get a stroke in the background's own colour (pushed to black
or white when even that is not enough), so they read without a halo over the drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.types import RGB, Box, Image, Mask

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
MIN_CONTRAST = 7.0
# What the fill is pushed to: a little over 7:1, since the background under the letters is
# never exactly its dominant colour (a gradient, a tint over art).
TARGET_CONTRAST = 7.5
# Snapping: colours this grey (max - min channel) and this dark / light are black / white.
GREY_CHROMA = 48
NEAR_BLACK_MAX = 110
NEAR_WHITE_MIN = 185
# Share of the background that differs clearly from its dominant colour: art, screentone.
BUSY_SHARE = 0.2
_BUSY_DISTANCE = 48.0
# Glyph pixels at least this share of the farthest one's distance from the background.
_CORE_SHARE = 0.6
_MAX_SAMPLES = 1024
_KMEANS_SAMPLES = 4096


@dataclass(frozen=True, slots=True)
class TextStyle:
    """`outline` is the stroke colour, None for none; `background` what the text sits on."""

    fg: RGB
    outline: RGB | None
    background: RGB


def relative_luminance(c: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    lin = []
    for v in c:
        s = v / 255.0
        lin.append(s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4)
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio, 1.0 (same) to 21.0 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def best_bw(bg: RGB) -> RGB:
    """Black or white, whichever stands out more against `bg`."""
    return BLACK if contrast_ratio(BLACK, bg) >= contrast_ratio(WHITE, bg) else WHITE


def dominant_color(pixels: npt.NDArray[np.uint8]) -> RGB:
    """The most common colour of an (N, 3) pixel array, robust to noise and JPEG artefacts:
    the mean of the fullest bin of a 16-level-per-channel histogram."""
    if len(pixels) == 0:
        return WHITE
    px = _subsample(pixels)
    q = (px >> 4).astype(np.int32)
    keys = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    top = int(np.bincount(keys, minlength=4096).argmax())
    mean = px[keys == top].mean(axis=0)
    return _rgb(mean)


def snap(c: RGB) -> RGB:
    """Near-black to black, near-white to white; anything with colour stays as it is."""
    if max(c) - min(c) <= GREY_CHROMA:
        if max(c) <= NEAR_BLACK_MAX:
            return BLACK
        if min(c) >= NEAR_WHITE_MIN:
            return WHITE
    return c


def ink_color(pixels: npt.NDArray[np.uint8], background: RGB) -> RGB:
    """The glyphs' dominant colour: among `pixels` (glyphs and the anti-aliased fringe the
    mask caught), those farthest from `background`, and their fullest colour bin."""
    px = _subsample(pixels, _KMEANS_SAMPLES)
    d = np.abs(px.astype(np.int32) - np.asarray(background, np.int32)).sum(axis=1)
    far = float(np.percentile(d, 98))
    if far <= 0:
        return background
    return dominant_color(px[d >= _CORE_SHARE * far])


def reach_contrast(fg: RGB, bg: RGB, ratio: float = TARGET_CONTRAST) -> RGB | None:
    """`fg` moved towards black or white (keeping its hue as long as it can) until it
    contrasts `ratio`:1 with `bg`; None when neither black nor white does."""
    if contrast_ratio(fg, bg) >= ratio:
        return fg
    for end in sorted((BLACK, WHITE), key=lambda e: -contrast_ratio(e, bg)):
        if contrast_ratio(end, bg) < ratio:
            continue
        lo, hi = 0.0, 1.0
        for _ in range(12):
            mid = (lo + hi) / 2
            if contrast_ratio(_mix(fg, end, mid), bg) >= ratio:
                hi = mid
            else:
                lo = mid
        return _mix(fg, end, hi)
    return None


def text_style(original: Image, inpainted: Image, mask: Mask, box: Box,
               fit_box: Box | None = None, *, on_art: bool = False,
               where: npt.NDArray[np.bool_] | None = None) -> TextStyle:
    """Fill and stroke for the block whose source text is in `box`, lettered into `fit_box`
    (default: `box`; only its pixels under `where`, a mask over it, when given); `on_art`
    asks for a stroke whatever the background."""
    fx0, fy0, fx1, fy1 = fit_box or box
    # Sampled on a grid before any copy: a large balloon has far more pixels than needed.
    step = _grid_step(fx1 - fx0, fy1 - fy0, _MAX_SAMPLES)
    grid = inpainted[fy0:fy1:step, fx0:fx1:step]
    if where is not None and where[::step, ::step].shape == grid.shape[:2]:
        bg_px = grid[where[::step, ::step]]
    else:
        bg_px = grid.reshape(-1, 3)
    bg = dominant_color(bg_px)
    fg = source_color(original, mask, box, bg)
    if not on_art and busy_share(bg_px, bg) <= BUSY_SHARE:
        reached = reach_contrast(fg, bg)
        if reached is not None:
            # A grey darkened to 7:1 is a near-black: lettered black.
            return TextStyle(_snap_keeping(reached, bg), None, bg)
    return stroked(fg, bg)


def source_color(original: Image, mask: Mask, box: Box, background: RGB) -> RGB:
    """The source lettering's colour, snapped; black or white when there are no glyphs."""
    x0, y0, x1, y1 = box
    step = _grid_step(x1 - x0, y1 - y0, 4 * _KMEANS_SAMPLES)
    glyph_px = original[y0:y1:step, x0:x1:step][mask[y0:y1:step, x0:x1:step] > 0]
    if len(glyph_px) < 8:
        return best_bw(background)
    return snap(ink_color(glyph_px, background))


def stroked(fg: RGB, bg: RGB) -> TextStyle:
    """`fg` with a stroke taken from `bg`: the background's colour itself when the fill can
    reach 7:1 against it, else black or white on the background's side."""
    reached = reach_contrast(fg, bg)
    if reached is not None:
        return TextStyle(_snap_keeping(reached, bg), bg, bg)
    stroke = WHITE if relative_luminance(bg) >= 0.18 else BLACK
    fill = reach_contrast(fg, stroke) or best_bw(stroke)
    return TextStyle(_snap_keeping(fill, stroke), stroke, bg)


def _snap_keeping(c: RGB, behind: RGB) -> RGB:
    """`c` snapped to black or white when that does not lose the contrast it has."""
    snapped = snap(c)
    return snapped if contrast_ratio(snapped, behind) >= contrast_ratio(c, behind) else c


def busy_share(pixels: npt.NDArray[np.uint8], background: RGB) -> float:
    """Share of `pixels` clearly unlike the background colour."""
    if len(pixels) == 0:
        return 0.0
    px = _subsample(pixels).astype(np.int32)
    d2 = ((px - np.asarray(background, dtype=np.int32)) ** 2).sum(axis=1)
    return float((d2 > _BUSY_DISTANCE**2).mean())


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    r, g, bl = (round(x * (1 - t) + y * t) for x, y in zip(a, b, strict=True))
    return (r, g, bl)


def _grid_step(w: int, h: int, limit: int) -> int:
    return max(1, math.ceil(math.sqrt(max(1, w * h) / limit)))


def _subsample(pixels: npt.NDArray[np.uint8], limit: int = _MAX_SAMPLES) -> npt.NDArray[np.uint8]:
    step = max(1, len(pixels) // limit)
    return pixels[::step]


def _rgb(v: npt.NDArray[np.floating[Any]]) -> RGB:
    r, g, b = (round(float(c)) for c in np.clip(v, 0, 255))
    return (r, g, b)
