from __future__ import annotations

import numpy as np
import pytest

from backend.evaluate.placement import background, placement
from backend.evaluate.readback import owner
from tests.backend.evaluate.helpers import line, rendered
from tests.drawing import text_page


def white(width: int = 400, height: int = 300) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def test_black_text_on_white_has_contrast_21() -> None:
    image = text_page([("BLACK TEXT", (20, 20))], size=(400, 100))
    assert background(image, (0, 0, 400, 100), (0, 0, 0), 36) == (255, 255, 255)
    block = rendered(0, (0, 0, 400, 100), "Black text here")
    score = placement(image, [block], [], {0: 30.0})
    assert score.blocks[0].contrast == pytest.approx(21.0)
    assert score.contrast_min == pytest.approx(21.0) and score.low_contrast == 0


def test_text_the_colour_of_its_background_is_flagged() -> None:
    block = rendered(0, (0, 0, 400, 100), "Invisible words", fg=(250, 250, 250))
    score = placement(white(), [block], [], {0: 20.0})
    assert score.blocks[0].contrast < 1.1 and score.low_contrast == 1


def test_overflowing_render_is_counted() -> None:
    blocks = [rendered(0, (0, 0, 100, 50), "Far too many words for this box", overflow=True),
              rendered(1, (0, 100, 100, 150), "Fits fine"),
              rendered(2, (0, 200, 100, 250), "Another long text", overflow=True)]
    assert placement(white(), blocks, [], {}).overflow == 2


def test_lines_inside_and_outside_their_block() -> None:
    blocks = [rendered(0, (0, 0, 200, 100), "Morning river garden"),
              rendered(1, (0, 150, 200, 250), "Brave quiet sister")]
    after = [
        line((10, 10, 190, 40), "Morning river"),     # inside block 0
        line((10, 60, 190, 90), "garden"),             # inside block 0
        line((250, 160, 390, 190), "Brave quiet"),     # block 1's words, outside its box
        line((10, 200, 190, 230), "sister"),           # inside block 1
        line((10, 270, 190, 290), "unrelated noise"),  # belongs to no block
    ]
    score = placement(white(400, 300), blocks, after, {0: 20.0, 1: 40.0})
    assert (score.lines, score.inside) == (4, 3)
    assert score.share == pytest.approx(0.75)
    assert (score.words, score.found) == (6, 4)  # "brave quiet" is read outside block 1
    assert score.blocks[0].font_ratio == pytest.approx(1.0)
    assert score.blocks[1].font_ratio == pytest.approx(0.5)


def test_kept_and_empty_blocks_are_not_placement() -> None:
    kept = rendered(0, (0, 0, 100, 50), "HELLO", source="HELLO")
    empty = rendered(1, (0, 60, 100, 110), "", font_size=0)
    score = placement(white(), [kept, empty], [line((0, 0, 100, 50), "HELLO")], {})
    assert score.rendered == 0 and score.lines == 0 and score.share is None


def test_a_line_belongs_to_the_block_whose_words_cover_it() -> None:
    a = rendered(0, (0, 0, 100, 50), "Window garden")
    b = rendered(1, (0, 100, 100, 150), "Mountain river")
    assert owner(line((0, 100, 100, 120), "MOUNTAINRIVER"), [a, b]) is b
    assert owner(line((0, 100, 100, 120), "something else"), [a, b]) is None
