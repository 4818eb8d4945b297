"""The region around some text: how far its interior reaches."""

from __future__ import annotations

import cv2
import numpy as np

from workers.process.regions import Region, find_region
from workers.types import Box, box_area


def _bubble_with_speed_lines() -> tuple[np.ndarray, Box, Box]:
    """A white bubble on a white page whose top holds speed lines hanging
    from the outline, 8 px apart; a line of text below them (the bubble is found from it)
    and the box of a column that runs up among them."""
    image = np.full((300, 400, 3), 255, np.uint8)
    cv2.ellipse(image, (200, 150), (170, 120), 0, 0, 360, (255, 255, 255), -1)
    cv2.ellipse(image, (200, 150), (170, 120), 0, 0, 360, (0, 0, 0), 3)
    for x in range(150, 260, 8):
        cv2.line(image, (x, 20), (x, 110), (0, 0, 0), 1)
    cv2.putText(image, "THIS BIG FISH", (110, 185), cv2.FONT_HERSHEY_DUPLEX, 1.0, (0, 0, 0), 2,
                cv2.LINE_AA)
    ys, xs = np.nonzero(image[150:200, :, 0] < 128)
    seed = (int(xs.min()), 150 + int(ys.min()), int(xs.max()) + 1, 150 + int(ys.max()) + 1)
    return image, seed, (150, 60, 260, 200)


def _on_page(region: Region, shape: tuple[int, ...]) -> np.ndarray:
    """The region's interior over the whole page."""
    x0, y0 = region.box[:2]
    h, w = region.interior.shape
    inside = np.zeros(shape[:2], bool)
    inside[y0:y0 + h, x0:x0 + w] = region.interior
    return inside


def test_the_interior_reaches_between_speed_lines_in_the_box_of_a_line_it_holds() -> None:
    image, seed, column = _bubble_with_speed_lines()
    region = find_region(image, [seed], 25.0, (255, 255, 255), box_area(seed),
                         others=[seed, column])
    assert region.enclosed
    inside = _on_page(region, image.shape)
    # The white strips between the speed lines, inside the column's box.
    strips = np.zeros(image.shape[:2], bool)
    strips[62:108, 150:260] = image[62:108, 150:260, 0] == 255
    assert inside[strips].mean() > 0.95
    # Above the column's box (and its margin) the strips stay out: art, not the text's.
    above = np.zeros(image.shape[:2], bool)
    above[35:50, 150:260] = image[35:50, 150:260, 0] == 255
    assert inside[above].mean() < 0.5


def test_the_interior_does_not_grow_over_a_lighter_grey_than_its_own() -> None:
    image, seed, column = _bubble_with_speed_lines()
    # The strips are a light grey (a tone the region's colour tolerance still takes).
    strip = image[20:110, 150:260]
    strip[strip[..., 0] == 255] = 228
    region = find_region(image, [seed], 25.0, (255, 255, 255), box_area(seed),
                         others=[seed, column])
    inside = _on_page(region, image.shape)
    grey = np.zeros(image.shape[:2], bool)
    grey[62:108, 150:260] = image[62:108, 150:260, 0] == 228
    assert inside[grey].mean() < 0.2
