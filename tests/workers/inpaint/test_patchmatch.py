"""PatchMatch: holes filled from their surroundings, screentone continued as screentone."""

from __future__ import annotations

import cv2
import numpy as np

from workers.inpaint.base import InpaintItem
from workers.inpaint.opencv import OpenCVInpainter
from workers.inpaint.patchmatch import PatchMatchInpainter, panel_holes
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


def red_hatching(h: int, w: int, period: int = 7) -> Image:
    """Diagonal one-pixel red strokes on white: a texture no pixel of `tone` has."""
    image = np.full((h, w, 3), 255, np.uint8)
    ys, xs = np.mgrid[0:h, 0:w]
    image[(xs + ys) % period == 0] = (200, 30, 30)
    return image


def test_a_hole_is_filled_from_its_own_panel_only() -> None:
    # Tone on the left, red hatching on the right, a black border between them, and a
    # black bar (the lettering) in the left panel up against the border.
    image = np.concatenate([tone(120, 100), np.zeros((120, 4, 3), np.uint8),
                            red_hatching(120, 100)], axis=1)
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[20:100, 50:100] = 255
    image[mask > 0] = 0
    [(box, hole, other)] = panel_holes(image, mask > 127)
    x0 = box[0]
    assert hole.sum() == (mask > 127).sum(), "every hole pixel is in the part"
    assert other is not None
    # The right panel is off limits wherever the part's box reaches it; the left is not.
    assert other[:, 106 - x0:].all() and not other[:, : 50 - x0].any()
    [out] = PatchMatchInpainter().inpaint([InpaintItem(image, mask)])
    filled = out[20:100, 50:100].astype(np.int16)
    assert not ((filled[..., 0] - filled[..., 1]) > 80).any(), "hatching copied across"


def test_no_border_leaves_the_hole_whole() -> None:
    image = tone(64, 64)
    hole = np.zeros((64, 64), bool)
    hole[20:40, 20:40] = True
    [(box, part, other)] = panel_holes(image, hole)
    assert box == (0, 0, 64, 64) and np.array_equal(part, hole) and other is None


def _bordered_tone() -> Image:
    """A grey tone 110 px wide, then a double panel border (dark at 110-112 and 117-119),
    then the next panel's paper."""
    rng = np.random.default_rng(1)
    grey = cv2.GaussianBlur(rng.integers(140, 215, (200, 110)).astype(np.uint8), (3, 3), 0)
    dark, paper = np.full((200, 3, 3), 20, np.uint8), np.full((200, 4, 3), 250, np.uint8)
    return np.concatenate([np.repeat(grey[..., None], 3, axis=2), dark, paper, dark,
                           np.full((200, 60, 3), 245, np.uint8)], axis=1)


def test_a_border_under_the_hole_is_drawn_on_through_it() -> None:
    image = _bordered_tone()
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[90:110, 85:135] = 255
    image[mask > 0] = 0
    [out] = PatchMatchInpainter().inpaint([InpaintItem(image, mask)])
    dark = out[90:110, 105:125, 0] < 90
    assert dark[:, [5, 6, 7, 12, 13, 14]].all(), "both lines of the border go on"
    assert not dark[:, [3, 4, 8, 9, 10, 11, 15, 16]].any()


def test_a_hole_up_against_a_panel_border_is_not_filled_with_the_border() -> None:
    # Lettering on a grey tone reaching the panel's (double) border: patches taking in the
    # border matched the hole's edge best, and copied its dark lines into the hole as bars.
    image = _bordered_tone()
    for right in (110, 109):  # touching the border, one pixel off it
        mask = np.zeros(image.shape[:2], np.uint8)
        outline = [[right - 20, 30], [right, 30], [right, 170], [right - 25, 170],
                   [right - 30, 100], [right - 45, 80], [right - 20, 60]]
        cv2.fillPoly(mask, [np.array(outline, np.int32)], 255)
        lettered = image.copy()
        lettered[mask > 0] = 0
        [out] = PatchMatchInpainter().inpaint([InpaintItem(lettered, mask)])
        assert not ((out[..., 0] < 90) & (mask > 0)).any(), f"border copied in ({right})"
        assert np.array_equal(out[mask == 0], lettered[mask == 0])
