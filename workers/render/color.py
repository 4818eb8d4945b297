"""The colours a translation is lettered in: fill, and an outline where it is needed.

The fill is taken from the source lettering: the original image's pixels under the text mask
are split into two clusters (glyph ink, and whatever the dilated mask caught around it), and
the cluster farthest from the erased background is the ink. A colour that does not stand out
from the new background (WCAG contrast under 3:1, the bar for large text: lettering is large
and bold, and a blue title should stay blue) is replaced by black or white. Busy
backgrounds (art showing through after inpainting) and marginal contrast get an outline in the
opposite tone so the text stays legible.
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
MIN_CONTRAST = 3.0
# Contrast under this (after the black/white fallback) still gets an outline.
OUTLINE_BELOW = 7.0
# Share of the background that differs clearly from its dominant colour: art, screentone.
BUSY_SHARE = 0.25
_BUSY_DISTANCE = 48.0
_MAX_SAMPLES = 1024
_KMEANS_ITERS = 8
_KMEANS_SAMPLES = 1024


@dataclass(frozen=True, slots=True)
class TextStyle:
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


def text_style(
    original: Image, inpainted: Image, mask: Mask, box: Box, fit_box: Box | None = None
) -> TextStyle:
    """Fill and outline colours for the block whose source text is in `box`, lettered into
    `fit_box` (default: `box`)."""
    x0, y0, x1, y1 = box
    fx0, fy0, fx1, fy1 = fit_box or box
    # Sampled on a grid before any copy: a large balloon has far more pixels than needed.
    step = _grid_step(fx1 - fx0, fy1 - fy0, _MAX_SAMPLES)
    bg_px = inpainted[fy0:fy1:step, fx0:fx1:step].reshape(-1, 3)
    bg = dominant_color(bg_px)
    step = _grid_step(x1 - x0, y1 - y0, 4 * _KMEANS_SAMPLES)
    glyph_px = original[y0:y1:step, x0:x1:step][mask[y0:y1:step, x0:x1:step] > 0]
    fg = ink_color(glyph_px, bg) if len(glyph_px) >= 8 else best_bw(bg)
    if contrast_ratio(fg, bg) < MIN_CONTRAST:
        fg = best_bw(bg)
    outline: RGB | None = None
    if contrast_ratio(fg, bg) < OUTLINE_BELOW or busy_share(bg_px, bg) > BUSY_SHARE:
        outline = WHITE if relative_luminance(fg) < 0.5 else BLACK
    return TextStyle(fg, outline, bg)


def ink_color(pixels: npt.NDArray[np.uint8], background: RGB) -> RGB:
    """Two-means over the glyph pixels; the centre farthest from `background` is the ink."""
    px = _subsample(pixels, _KMEANS_SAMPLES).astype(np.float32)
    bg = np.asarray(background, dtype=np.float32)
    # Seeded with the background and the pixel farthest from it, so the result is
    # deterministic and the two clusters start on opposite sides.
    d = px - bg
    c0, c1 = bg, px[int(np.einsum("ij,ij->i", d, d).argmax())]
    total = px.sum(axis=0)
    for _ in range(_KMEANS_ITERS):
        # Nearer to c1 than to c0 <=> on c1's side of the plane halfway between them.
        second = ((px - (c0 + c1) / 2) @ (c1 - c0) > 0).astype(np.float32)
        n1 = float(second.sum())
        n0 = len(px) - n1
        sum1 = second @ px
        new0 = (total - sum1) / n0 if n0 else c0
        new1 = sum1 / n1 if n1 else c1
        if np.abs(new0 - c0).max() < 0.5 and np.abs(new1 - c1).max() < 0.5:
            break
        c0, c1 = new0, new1
    d0, d1 = float(((c0 - bg) ** 2).sum()), float(((c1 - bg) ** 2).sum())
    return _rgb(c1 if d1 >= d0 else c0)


def busy_share(pixels: npt.NDArray[np.uint8], background: RGB) -> float:
    """Share of `pixels` clearly unlike the background colour."""
    if len(pixels) == 0:
        return 0.0
    px = _subsample(pixels).astype(np.int32)
    d2 = ((px - np.asarray(background, dtype=np.int32)) ** 2).sum(axis=1)
    return float((d2 > _BUSY_DISTANCE**2).mean())


def _grid_step(w: int, h: int, limit: int) -> int:
    return max(1, math.ceil(math.sqrt(max(1, w * h) / limit)))


def _subsample(pixels: npt.NDArray[np.uint8], limit: int = _MAX_SAMPLES) -> npt.NDArray[np.uint8]:
    step = max(1, len(pixels) // limit)
    return pixels[::step]


def _rgb(v: npt.NDArray[np.floating[Any]]) -> RGB:
    r, g, b = (round(float(c)) for c in np.clip(v, 0, 255))
    return (r, g, b)
