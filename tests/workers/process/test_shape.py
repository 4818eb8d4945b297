"""The polygon handed on to lettering: a bubble's tail is cut off, a caption box keeps its
corners."""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.regions import Region
from workers.process.shape import make_bubble


def _region(interior: np.ndarray) -> Region:
    return Region((100, 50, 100 + interior.shape[1], 50 + interior.shape[0]),
                  interior.copy(), interior, True, (255, 255, 255))


def _inside(polygon: tuple[tuple[int, int], ...], x: float, y: float) -> bool:
    contour = np.array(polygon, np.int32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (x, y), False) >= 0


def test_a_card_a_line_tall_keeps_its_corners() -> None:
    card = np.zeros((40, 120), bool)
    card[8:32, 6:114] = True                     # 108 x 24 px of paper, the line 22 px tall
    polygon = make_bubble(_region(card), 22.0).polygon
    for x, y in ((107, 59), (212, 59), (107, 80), (212, 80)):   # a pixel in from each corner
        assert _inside(polygon, x, y), (x, y, polygon)


def test_a_bubbles_tail_is_cut_off_the_polygon() -> None:
    bubble = np.zeros((160, 200), np.uint8)
    cv2.ellipse(bubble, (100, 60), (80, 50), 0, 0, 360, 1, -1)
    cv2.fillPoly(bubble, [np.array([(90, 100), (110, 100), (60, 155)], np.int32)], 1)
    polygon = make_bubble(_region(bubble > 0), 20.0).polygon
    assert _inside(polygon, 200, 110)            # the ellipse's middle, page pixels
    assert not _inside(polygon, 165, 200)        # near the tail's tip
