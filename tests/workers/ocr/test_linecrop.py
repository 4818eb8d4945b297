from __future__ import annotations

import cv2
import numpy as np

from workers.ocr.linecrop import isolate_line


def _line_with_strays() -> np.ndarray:
    """A 40 px high crop: a bar of "text" in the middle, the feet of the line above along the
    top edge, and a bubble outline arc down the left edge."""
    crop = np.full((40, 200, 3), 255, np.uint8)
    cv2.rectangle(crop, (30, 12), (170, 27), (0, 0, 0), -1)  # the line itself
    for x in range(40, 160, 20):
        cv2.rectangle(crop, (x, 0), (x + 8, 4), (0, 0, 0), -1)  # the neighbour's feet
    cv2.line(crop, (1, 0), (3, 39), (0, 0, 0), 2)  # the outline
    return crop


def test_strays_are_painted_and_the_line_kept() -> None:
    out = isolate_line(_line_with_strays(), margin=0.0)
    assert out.shape == (40 + 4, 200 + 4)  # at least 2 px of ground on every side
    inner = out[2:-2, 2:-2]
    assert (inner[12:28, 30:171] < 60).all()
    assert (inner[:6] > 200).all(), "the neighbour's feet are gone"
    assert (inner[:, :6] > 200).all(), "the outline is gone"


def test_light_text_on_dark_comes_out_dark_on_light() -> None:
    crop = 255 - _line_with_strays()
    out = isolate_line(crop, margin=0.0)
    inner = out[2:-2, 2:-2]
    assert (inner[12:28, 30:171] < 60).all() and int(np.median(out)) > 200


def test_scaling_and_margin() -> None:
    out = isolate_line(_line_with_strays(), scale=2.0, margin=0.25)
    pad = round(80 * 0.25)
    assert out.shape == (80 + 2 * pad, 400 + 2 * pad)


def test_blank_crop_stays_blank() -> None:
    noise = np.random.default_rng(0).integers(240, 256, (30, 90, 3), dtype=np.uint8)
    out = isolate_line(noise)
    assert int(out.min()) == int(out.max()) == 255
