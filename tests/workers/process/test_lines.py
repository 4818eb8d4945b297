"""Line geometry: a line set at an angle is as tall as its letters, not as its box."""

from __future__ import annotations

import math

import cv2
import numpy as np

from tests.workers.process import pages
from tests.workers.process.test_erase_pages import changed, erase
from workers.process.lines import line_area, line_size
from workers.types import TextLine


def rotated(cx: float, cy: float, length: float, size: float, degrees: float) -> TextLine:
    a = math.radians(degrees)
    ux, uy = math.cos(a) * length / 2, -math.sin(a) * length / 2
    vx, vy = math.sin(a) * size / 2, math.cos(a) * size / 2
    quad = ((cx - ux - vx, cy - uy - vy), (cx + ux - vx, cy + uy - vy),
            (cx + ux + vx, cy + uy + vy), (cx - ux + vx, cy - uy + vy))
    return TextLine(quad, "TILTED", 0.9, False)


def test_a_tilted_line_is_as_tall_as_its_letters() -> None:
    line = rotated(200, 150, 220, 34, 26)
    assert line.height > 100, "its box is much taller than the letters"
    assert abs(line_size(line) - 34) < 1
    straight = TextLine(((10, 10), (200, 10), (200, 40), (10, 40)), "FLAT", 0.9, False)
    assert line_size(straight) == straight.height


def test_a_tilted_line_takes_its_quadrilateral_not_its_box() -> None:
    line = rotated(200, 150, 220, 34, 26)
    area = line_area((300, 400), (0, 0), [line], 0)
    x0, y0, x1, y1 = line.bbox
    assert area.sum() < 0.5 * (x1 - x0) * (y1 - y0)
    assert area[150, 200] and not area[y0 + 2, x0 + 2]


def test_text_set_at_an_angle_in_a_flat_balloon_is_erased() -> None:
    page = pages.blank(260, 420, colour=230)
    canvas = np.zeros(page.image.shape[:2], np.uint8)
    cv2.putText(canvas, "SO YOU THINK", (60, 140), cv2.FONT_HERSHEY_DUPLEX, 1.2, 255, 2,
                cv2.LINE_AA)
    matrix = cv2.getRotationMatrix2D((200, 130), 24, 1.0)
    turned = cv2.warpAffine(canvas, matrix, (420, 260))
    letters = turned > 127
    page.image[letters] = 20
    ys, xs = np.nonzero(letters)
    page.lines.append(rotated(float(xs.mean()), float(ys.mean()), 260, 34, 24))
    _, out = erase(page)
    assert (out[..., 0][letters] > 200).mean() > 0.98, "letters left"
    assert not (changed(page.image, out) & ~(cv2.dilate(turned, np.ones((9, 9))) > 0)).any()
