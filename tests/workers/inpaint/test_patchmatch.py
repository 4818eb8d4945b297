"""PatchMatch: holes filled from their surroundings, screentone continued as screentone."""

from __future__ import annotations

import numpy as np

from workers.inpaint.base import InpaintItem
from workers.inpaint.opencv import OpenCVInpainter
from workers.inpaint.patchmatch import PatchMatchInpainter
from workers.types import Image


def tone(h: int, w: int, period: int = 6) -> Image:
    """2x2 dark dots every `period` pixels on white."""
    image = np.full((h, w, 3), 255, np.uint8)
    for dy in (0, 1):
        for dx in (0, 1):
            image[period // 2 + dy:: period, period // 2 + dx:: period] = 60
    return image


def test_patchmatch_fills_the_hole_with_the_tone_around_it() -> None:
    clean = tone(96, 128)
    image = clean.copy()
    image[40:56, 30:100] = 0  # a black bar across the tone
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[38:58, 28:102] = 255
    [out] = PatchMatchInpainter().inpaint([InpaintItem(image, mask)])
    inside = mask > 0
    assert np.array_equal(out[~inside], image[~inside])
    hole = out[..., 0][inside].astype(np.float32)
    # Screentone, not a smear: about the tone's share of dark dots, and pure paper between.
    assert abs((hole < 128).mean() - (clean[..., 0] < 128).mean()) < 0.05
    assert (hole > 230).mean() > 0.8


def test_patchmatch_is_repeatable() -> None:
    image = tone(64, 64)
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 20:40] = 255
    model = PatchMatchInpainter()
    [a] = model.inpaint([InpaintItem(image, mask)])
    [b] = model.inpaint([InpaintItem(image, mask)])
    assert np.array_equal(a, b)


def test_opencv_keeps_pixels_outside_the_mask() -> None:
    image = tone(64, 64)
    mask = np.zeros((64, 64), np.uint8)
    mask[10:20, 10:50] = 255
    [out] = OpenCVInpainter().inpaint([InpaintItem(image, mask)])
    assert np.array_equal(out[mask == 0], image[mask == 0])
