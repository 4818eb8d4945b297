"""Finding the room on the erased page: closed balloons, leaky outlines, open regions."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.workers.render.pages import block, bubble_page
from workers.render.bubble import find_bubble, flat_color
from workers.render.region import clear_of, open_region, shared_cut, text_area
from workers.types import Box

ELLIPSE: Box = (100, 60, 380, 460)  # centre (240, 260), semi-axes 140 x 200


def _in_ellipse(x: float, y: float, e: Box = ELLIPSE, slack: float = 0.0) -> bool:
    cx, cy = (e[0] + e[2]) / 2, (e[1] + e[3]) / 2
    ax, ay = (e[2] - e[0]) / 2 + slack, (e[3] - e[1]) / 2 + slack
    return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1.0


def test_balloon_is_traced_with_its_outline() -> None:
    page = bubble_page((500, 560), ELLIPSE)
    column = block((222, 110, 258, 410), direction="v", line_height=36)
    bubble = find_bubble(page, column)
    assert bubble is not None
    x0, y0, x1, y1 = bubble.box
    assert x1 - x0 > 250 and y1 - y0 > 370  # the whole balloon, not the column
    assert all(_in_ellipse(x, y, slack=1.5) for x, y in bubble.polygon)
    contour = np.asarray(bubble.polygon, np.int32).reshape(-1, 1, 2)
    assert cv2.pointPolygonTest(contour, (240.0, 260.0), False) > 0
    assert bubble.interior.shape == (y1 - y0, x1 - x0)
    assert bubble.interior[260 - y0, 240 - x0] == 255
    # Nothing of the page outside the outline counts as interior, not even a thin band.
    ys, xs = np.nonzero(bubble.interior)
    cx, cy, ax, ay = 240, 260, 141.5, 201.5
    assert (((xs + x0 + 0.5 - cx) / ax) ** 2 + ((ys + y0 + 0.5 - cy) / ay) ** 2 <= 1.0).all()


def test_white_around_the_outline_stays_outside() -> None:
    page = bubble_page((500, 560), ELLIPSE, page_bg=(255, 255, 255))
    framed = Image.fromarray(page)
    ImageDraw.Draw(framed).rectangle((0, 0, 499, 559), outline=(0, 0, 0), width=4)
    bubble = find_bubble(np.asarray(framed).copy(), block((200, 200, 280, 320), line_height=40))
    assert bubble is not None
    ys, xs = np.nonzero(bubble.interior)
    x0, y0 = bubble.box[:2]
    assert all(_in_ellipse(x + x0, y + y0, slack=1.5) for x, y in zip(xs[::50], ys[::50],
                                                                     strict=True))


def test_a_small_gap_in_the_outline_still_closes_the_balloon() -> None:
    img = Image.fromarray(bubble_page((500, 560), ELLIPSE, page_bg=(255, 255, 255)))
    # White page around the balloon and a gap in its outline at the top: the colour runs out.
    ImageDraw.Draw(img).rectangle((232, 56, 240, 66), fill=(255, 255, 255))
    ImageDraw.Draw(img).rectangle((0, 0, 499, 559), outline=(0, 0, 0), width=4)
    page = np.asarray(img).copy()
    bubble = find_bubble(page, block((200, 200, 280, 320), line_height=30))
    assert bubble is not None
    assert bubble.box[2] - bubble.box[0] < 300  # the balloon, not the page around it


def test_a_tail_left_open_onto_the_panel_does_not_flood_it() -> None:
    img = Image.fromarray(bubble_page((500, 560), ELLIPSE, page_bg=(255, 255, 255)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 499, 559), outline=(0, 0, 0), width=4)
    # The tail: a 24 px opening at the bottom of the balloon, two lines running down from it.
    draw.rectangle((228, 450, 252, 470), fill=(255, 255, 255))
    draw.line((228, 458, 210, 540), fill=(0, 0, 0), width=3)
    draw.line((252, 458, 270, 540), fill=(0, 0, 0), width=3)
    page = np.asarray(img).copy()
    bubble = find_bubble(page, block((190, 180, 290, 340), line_height=40))
    assert bubble is not None
    assert bubble.box[3] < 480 and bubble.box[2] - bubble.box[0] < 300


def test_panel_background_around_a_figure_is_not_a_balloon() -> None:
    img = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 399, 399), outline=(0, 0, 0), width=4)
    # A figure filling most of the panel: the white left around it is a thin, bent band.
    draw.polygon([(60, 60), (340, 60), (340, 340), (220, 340), (220, 160), (60, 160)],
                 fill=(30, 30, 30))
    page = np.asarray(img).copy()
    assert find_bubble(page, block((30, 200, 80, 330), direction="v", line_height=30)) is None


def test_text_on_art_has_no_balloon() -> None:
    rng = np.random.default_rng(3)
    page = rng.integers(0, 256, (300, 300, 3), dtype=np.uint8)
    b = block((100, 120, 200, 150), erase="model", line_height=30)
    assert flat_color(page, b) is None
    assert find_bubble(page, b) is None


def test_open_region_stops_at_outlines() -> None:
    img = Image.new("RGB", (400, 300), (255, 255, 255))
    ImageDraw.Draw(img).line((260, 0, 260, 299), fill=(0, 0, 0), width=3)
    page = np.asarray(img).copy()
    b = block((150, 120, 230, 150), line_height=30)
    area = text_area(b, [], 400, 300, widen=False, reach=2.0)
    region = open_region(page, b, area, (255, 255, 255))
    assert region is not None
    xs = np.nonzero(region.any(axis=0))[0] + area[0]
    assert xs.max() < 259  # never past the line
    assert xs.min() < 150  # but wider than the text on the free side


def test_block_without_bubble_gets_only_a_small_margin() -> None:
    b = block((150, 180, 250, 210), line_height=30)
    assert text_area(b, [], 400, 400, widen=False) == (144, 174, 256, 216)


def test_vertical_block_without_bubble_is_widened_sideways() -> None:
    b = block((230, 100, 260, 400), direction="v", erase="model", line_height=30)
    x0, y0, x1, y1 = text_area(b, [], 500, 500, widen=True)
    assert (y0, y1) == (94, 406)
    assert x1 - x0 > 30 and x0 < 230 and x1 > 260


def test_two_blocks_in_one_balloon_split_it() -> None:
    page = bubble_page((600, 560), (40, 60, 560, 460))
    left = block((150, 150, 180, 380), direction="v", index=0, line_height=30)
    right = block((400, 150, 430, 380), direction="v", index=1, line_height=30)
    bubble = find_bubble(page, left)
    assert bubble is not None
    a = shared_cut(bubble, left.bbox, [right.bbox])
    b = shared_cut(bubble, right.bbox, [left.bbox])
    assert a[2] <= b[0], (a, b)


def test_clear_of_cuts_the_side_facing_the_other_block() -> None:
    own = (100, 100, 120, 200)
    grown = (50, 90, 200, 210)
    assert clear_of(grown, own, [(160, 100, 180, 200)]) == (50, 90, 140, 210)
    assert clear_of(grown, own, [(300, 100, 320, 200)]) == grown


def test_rooms_of_close_neighbours_stop_short_of_each_other() -> None:
    # Two columns 55 px apart: neither box reaches the other, but each room grows by a
    # line height towards the other and the two would overlap.
    left = block((100, 100, 130, 300), direction="v", index=0, line_height=30)
    right = block((185, 100, 215, 300), direction="v", index=1, line_height=30)
    a = text_area(left, [right.bbox], 400, 400, widen=True, reach=1.0)
    b = text_area(right, [left.bbox], 400, 400, widen=True, reach=1.0)
    assert a[2] < 157 < b[0], (a, b)
    assert b[0] - a[2] >= 2 * round(0.2 * 30), "a gap of a fifth of a line on each side"
    # A block far away does not cut the room.
    assert text_area(left, [(390, 100, 399, 300)], 400, 400, widen=True, reach=1.0) == \
        text_area(left, [], 400, 400, widen=True, reach=1.0)
