"""Colours of the page: the background a line sits on, and the pixels that match it."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import RGB, Box, Image, grow_box, u8

# A pixel within this distance (per channel) of the fill colour belongs to the region:
# JPEG noise and a light gradient stay inside, anti-aliased outline pixels do not.
TOLERANCE = 40
# Share of a line box that must be one colour for the line to sit on a flat region.
DOMINANT_SHARE = 0.45
# How far (per channel) a pixel of the denoised page may be from that colour: paper grain
# and JPEG noise that a 3x3 median leaves stay inside; screentone dots and art do not.
DOMINANT_NOISE = 24

Bool = npt.NDArray[np.bool_]


def rgb(values: npt.NDArray[np.floating]) -> RGB:
    r, g, b = (int(v) for v in np.rint(values[:3]))
    return (r, g, b)


def denoised(image: Image) -> Image:
    """The page through a 3x3 median: the grain of a scanned print and JPEG speckle go,
    strokes and edges stay. The colour of a background is judged on it."""
    return u8(cv2.medianBlur(image, 3))


def line_fill(image: Image, box: Box, grey: npt.NDArray[np.uint8] | None = None,
              ) -> RGB | None:
    """The colour most of a line box is (the background between its glyphs), when one
    colour clearly dominates it; None on screentone, gradients and busy art. `image`: the
    page, best `denoised`; `grey`: the same in grey, if the caller has it."""
    height, width = image.shape[:2]
    # A quarter of a line around the box: tight boxes around bold text are mostly ink.
    pad = max(1, min(box[2] - box[0], box[3] - box[1]) // 4)
    found = _dominant(image, grow_box(box, pad, width, height), grey)
    return found[1] if found is not None and found[0] >= DOMINANT_SHARE else None


def _dominant(image: Image, box: Box, grey: npt.NDArray[np.uint8] | None,
              ) -> tuple[float, RGB] | None:
    """The share of the box that is its most common colour, and that colour."""
    x0, y0, x1, y1 = box
    if (x1 - x0) * (y1 - y0) < 16:
        return None
    crop = image[y0:y1, x0:x1]
    levels = u8(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if grey is None
                else grey[y0:y1, x0:x1])
    # The fullest band of 16 grey levels (and half a band either side) gives the candidate.
    counts = np.bincount((levels >> 3).ravel(), minlength=32)
    pairs = counts[:-1] + counts[1:]
    top = int(np.argmax(pairs))
    near = (levels >> 3 >= max(0, top - 1)) & (levels >> 3 <= top + 2)
    # One grey band can hold several colours (a coloured bubble beside grey art): the
    # band's median colour, and every pixel of the box close to it.
    centre = np.median(crop[near], axis=0).astype(np.int16)
    close = np.abs(crop.astype(np.int16) - centre).max(axis=2) <= DOMINANT_NOISE
    return float(close.mean()), rgb(crop[close].mean(axis=0))


def similar(image: Image, box: Box, fill: RGB) -> Bool:
    x0, y0, x1, y1 = box
    lo = np.clip(np.array(fill) - TOLERANCE, 0, 255).astype(np.uint8)
    hi = np.clip(np.array(fill) + TOLERANCE, 0, 255).astype(np.uint8)
    out: Bool = cv2.inRange(image[y0:y1, x0:x1], lo, hi) > 0
    return out
