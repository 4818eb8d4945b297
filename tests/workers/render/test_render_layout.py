"""Fitting into a room: an ellipse, a cloud, a rectangle; vertical columns."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.workers.render.pages import cjk_face_or_skip, latin_face
from workers.render.hyphen import splitter
from workers.render.layout import Fitter, Placed
from workers.render.room import Room
from workers.types import Box

TEXT = "There are plenty of pictures of the earth on the internet, you know."


def _ellipse_mask(w: int, h: int) -> np.ndarray:
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).ellipse((0, 0, w - 1, h - 1), fill=255)
    return np.asarray(img) > 0


def _cloud_mask() -> np.ndarray:
    """Five overlapping circles: a thought balloon with deep notches between the bumps."""
    img = Image.new("L", (320, 220), 0)
    draw = ImageDraw.Draw(img)
    for cx, cy, r in ((90, 80, 70), (200, 70, 70), (250, 140, 60), (150, 160, 60),
                      (70, 150, 55)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return np.asarray(img) > 0


def _fit(mask: np.ndarray, text: str = TEXT, air: float = 0.3, x0: int = 40,
         y0: int = 30) -> tuple[Room, Placed]:
    room = Room(mask, x0, y0)
    fitter = Fitter(text, latin_face(), room, by_chars=False, splitter=splitter("en"),
                    air_em=air, outline=False)
    size = fitter.max_size(8, 60, False)
    assert size >= 8
    placed = fitter.place(size, False)
    assert placed is not None
    return room, placed


def _line_boxes(room: Room, placed: Placed) -> list[Box]:
    """Each line's box in page pixels (ascent/descent from the font size, width measured)."""
    boxes = []
    for cross, span, width in zip(placed.cross, placed.spans, placed.widths, strict=True):
        left = min(max(placed.axis - width / 2, span.lo), span.hi - width)
        x, y = room.to_page(cross, left)
        boxes.append((int(x), int(y - 0.75 * placed.size), int(x + width),
                      int(y + 0.25 * placed.size)))
    return boxes


def _corners_inside(mask: np.ndarray, box: Box, x0: int, y0: int) -> bool:
    bx0, by0, bx1, by1 = box
    h, w = mask.shape
    for x, y in ((bx0, by0), (bx1 - 1, by0), (bx0, by1 - 1), (bx1 - 1, by1 - 1)):
        px, py = x - x0, y - y0
        if not (0 <= px < w and 0 <= py < h and mask[py, px]):
            return False
    return True


def test_ellipse_gives_short_first_and_last_lines() -> None:
    mask = _ellipse_mask(300, 240)
    room, placed = _fit(mask)
    assert len(placed.lines) >= 3
    spans = [s.length for s in placed.spans]
    middle = max(spans[1:-1])
    assert spans[0] < middle and spans[-1] < middle
    assert " ".join(placed.lines) == TEXT
    for box in _line_boxes(room, placed):
        assert _corners_inside(mask, box, 40, 30), box
    # Centred on the balloon: the block's middle is near the ellipse's centre.
    ys = [c for c in placed.cross]
    assert abs((ys[0] + ys[-1]) / 2 - 120) < 0.1 * 240


def test_air_keeps_text_off_the_wall() -> None:
    mask = _ellipse_mask(300, 240)
    _room, tight = _fit(mask, air=0.0)
    _room, airy = _fit(mask, air=0.4)
    assert airy.size <= tight.size
    air_px = round(0.4 * airy.size)
    for span in airy.spans:
        assert span.lo >= air_px and span.hi <= 300 - air_px


def test_cloud_lines_stay_out_of_the_notches() -> None:
    mask = _cloud_mask()
    room, placed = _fit(mask, "Maybe it is possible in theory, but who would do it?")
    for box in _line_boxes(room, placed):
        assert _corners_inside(mask, box, 40, 30), box


def test_rectangle_caption_fills_its_box() -> None:
    room = Room.rect((10, 10, 410, 110))
    fitter = Fitter(TEXT, latin_face(), room, by_chars=False, splitter=None, air_em=0.15,
                    outline=False)
    size = fitter.max_size(8, 80, False)
    placed = fitter.place(size, False)
    assert placed is not None
    # A box's spans are all as wide as the box (less the air), and the text fills the box
    # one way or the other.
    assert len({s.length for s in placed.spans}) == 1
    pitch, asc, desc, _stroke, _air = fitter.metrics(size)
    height = (len(placed.lines) - 1) * pitch + asc + desc
    assert max(placed.widths) > 0.8 * placed.spans[0].length or height > 0.8 * 100
    # One size more no longer fits.
    assert not fitter.fits(size + 1, False)


def test_larger_sizes_fit_in_larger_rooms() -> None:
    small = Fitter(TEXT, latin_face(), Room(_ellipse_mask(200, 160), 0, 0), by_chars=False,
                   splitter=None, air_em=0.3, outline=False)
    large = Fitter(TEXT, latin_face(), Room(_ellipse_mask(400, 320), 0, 0), by_chars=False,
                   splitter=None, air_em=0.3, outline=False)
    assert large.max_size(8, 80, False) > small.max_size(8, 80, False)


def test_vertical_columns_run_right_to_left() -> None:
    face = cjk_face_or_skip("ja")
    mask = _ellipse_mask(200, 320)
    room = Room(mask, 0, 0, vertical=True)
    fitter = Fitter("本当にそうなのか、もう一度考えてみよう。", face, room, by_chars=True,
                    splitter=None, air_em=0.3, outline=False)
    size = fitter.max_size(8, 60, False)
    placed = fitter.place(size, False)
    assert placed is not None and len(placed.lines) >= 2
    xs = [room.to_page(c, 0)[0] for c in placed.cross]
    assert xs == sorted(xs, reverse=True)  # the first column is the rightmost
    assert all(not line.startswith(("、", "。")) for line in placed.lines)


def test_room_needs_an_interior() -> None:
    with pytest.raises(ValueError):
        Room(np.zeros((10, 10), bool), 0, 0)
