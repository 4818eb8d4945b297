from __future__ import annotations

import numpy as np

from tests.workers.render.pages import block, bubble_page, inside
from workers.render.bubble import clear_of, fitting_box, largest_rect_through
from workers.types import Box

ELLIPSE: Box = (100, 60, 380, 460)  # centre (240, 260), semi-axes 140 x 200


def _in_ellipse(x: float, y: float, e: Box = ELLIPSE) -> bool:
    cx, cy = (e[0] + e[2]) / 2, (e[1] + e[3]) / 2
    ax, ay = (e[2] - e[0]) / 2, (e[3] - e[1]) / 2
    return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1.0


def test_narrow_vertical_block_grows_inside_its_bubble() -> None:
    page = bubble_page((500, 560), ELLIPSE)
    column = block((222, 110, 258, 410), direction="v", line_height=36)
    box = fitting_box(page, column, [])
    x0, y0, x1, y1 = box
    assert x1 - x0 > 3 * (258 - 222)  # much wider than the column
    assert inside(box, ELLIPSE)
    for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        assert _in_ellipse(x, y), box  # never past the balloon's outline


def test_block_without_bubble_gets_only_a_small_margin() -> None:
    page = np.full((400, 400, 3), 255, np.uint8)  # flat page: the colour runs off
    b = block((150, 180, 250, 210), line_height=30)
    assert fitting_box(page, b, []) == (144, 174, 256, 216)


def test_model_erased_block_is_not_grown_into_art() -> None:
    page = bubble_page((500, 560), ELLIPSE)
    b = block((180, 240, 300, 280), erase="model", line_height=40)
    assert fitting_box(page, b, []) == (172, 232, 308, 288)


def test_vertical_block_without_bubble_is_widened_sideways() -> None:
    page = np.full((500, 500, 3), 90, np.uint8)
    b = block((230, 100, 260, 400), direction="v", erase="model", line_height=30)
    x0, y0, x1, y1 = fitting_box(page, b, [], widen=True)
    assert (y0, y1) == (94, 406)
    assert x1 - x0 > 30 and x0 < 230 and x1 > 260


def test_grown_boxes_stop_halfway_to_neighbours() -> None:
    page = bubble_page((600, 560), (40, 60, 560, 460))
    left = block((150, 150, 180, 380), direction="v", index=0)
    right = block((400, 150, 430, 380), direction="v", index=1)
    a = fitting_box(page, left, [right.bbox])
    b = fitting_box(page, right, [left.bbox])
    assert a[2] <= b[0], (a, b)
    assert inside(left.bbox, a) or a[2] - a[0] >= 30


def test_clear_of_cuts_the_side_facing_the_other_block() -> None:
    own = (100, 100, 120, 200)
    grown = (50, 90, 200, 210)
    assert clear_of(grown, own, [(160, 100, 180, 200)]) == (50, 90, 140, 210)
    assert clear_of(grown, own, [(300, 100, 320, 200)]) == grown


def test_largest_rect_through_centre() -> None:
    allowed = np.zeros((10, 10), bool)
    allowed[2:8, 1:9] = True
    allowed[0:10, 4:6] = True  # a tall thin cross bar
    assert largest_rect_through(allowed, 5, 5) == (1, 2, 9, 8)
