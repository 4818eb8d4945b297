"""Colours of the page: the background a line sits on, and the pixels that match it."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import RGB, Box, Image, u8

# A pixel within this distance (per channel) of the fill colour belongs to the region:
# JPEG noise and a light gradient stay inside, anti-aliased outline pixels do not.
TOLERANCE = 40
# Share of a line box that must be one colour for the line to sit on a flat region.
DOMINANT_SHARE = 0.45

Bool = npt.NDArray[np.bool_]


def _grow(box: Box, pad: int, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    return (max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad))


def rgb(values: npt.NDArray[np.floating]) -> RGB:
    r, g, b = (int(v) for v in np.rint(values[:3]))
    return (r, g, b)


def line_fill(image: Image, box: Box, grey: npt.NDArray[np.uint8] | None = None,
              ) -> RGB | None:
    """The colour most of a line box is (the background between its glyphs), when one
    colour clearly dominates it; None on screentone, gradients and busy art. `grey`: the
    page in grey, if the caller has it (the dominant level is found on it)."""
    height, width = image.shape[:2]
    # A quarter of a line around the box: tight boxes around bold text are mostly ink.
    pad = max(1, min(box[2] - box[0], box[3] - box[1]) // 4)
    x0, y0, x1, y1 = _grow(box, pad, width, height)
    if (x1 - x0) * (y1 - y0) < 16:
        return None
    levels = u8(cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY) if grey is None
                else grey[y0:y1, x0:x1])
    # The fullest band of 16 grey levels (and half a band either side) is the candidate.
    counts = np.bincount((levels >> 3).ravel(), minlength=32)
    pairs = counts[:-1] + counts[1:]
    top = int(np.argmax(pairs))
    near = (levels >> 3 >= max(0, top - 1)) & (levels >> 3 <= top + 2)
    if near.mean() < DOMINANT_SHARE:
        return None
    crop = image[y0:y1, x0:x1][near]
    mean = crop.mean(axis=0)
    # One grey band can hold several colours (a coloured bubble beside grey art).
    close = np.abs(crop.astype(np.int16) - mean.astype(np.int16)).max(axis=1) <= 16
    if close.sum() < DOMINANT_SHARE * levels.size:
        return None
    return rgb(crop[close].mean(axis=0))


def similar(image: Image, box: Box, fill: RGB) -> Bool:
    x0, y0, x1, y1 = box
    lo = np.clip(np.array(fill) - TOLERANCE, 0, 255).astype(np.uint8)
    hi = np.clip(np.array(fill) + TOLERANCE, 0, 255).astype(np.uint8)
    out: Bool = cv2.inRange(image[y0:y1, x0:x1], lo, hi) > 0
    return out
