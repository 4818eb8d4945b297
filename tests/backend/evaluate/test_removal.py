from __future__ import annotations

from typing import cast

import numpy as np
import pytest

from backend.evaluate.page import kept_indices
from backend.evaluate.removal import letters, removal
from tests.backend.evaluate.helpers import block, line, rendered
from tests.drawing import text_page
from workers.config import MachineSettings
from workers.ocr.reader import PageReader
from workers.ocr.registry import load_reader
from workers.process.classical import ClassicalAnalyser
from workers.types import BlockKind, Image, PageText, RenderedBlock, TextLine

FIRST, SECOND = "HELLO THERE FRIEND", "GOOD MORNING"


@pytest.fixture(scope="module")
def engine() -> PageReader:
    return load_reader(MachineSettings(), threads=1)


def page() -> Image:
    return text_page([(FIRST, (40, 60)), (SECOND, (40, 200))], size=(640, 320))


def test_pure_scores_from_lines() -> None:
    before = [line((10, 10, 200, 40), "HELLO THERE"), line((10, 60, 200, 90), "GOODBYE")]
    blocks = [block(0, before)]
    assert removal(blocks, set(), []).share == 1.0
    assert removal(blocks, set(), before).share == 0.0
    half = removal(blocks, set(), [before[1]])
    assert half.share == pytest.approx(1 - 7 / 17, abs=1e-4)
    assert half.leftovers == ("GOODBYE",)


def test_our_lettering_in_place_of_the_source_is_not_a_leftover() -> None:
    before = [line((10, 10, 200, 40), "HELLO THERE")]
    ours = rendered(0, (0, 0, 210, 50), "Heart secret every")
    after = [line((12, 10, 200, 40), "Heart secret every")]
    assert removal([block(0, before)], set(), after, [ours]).share == 1.0
    assert removal([block(0, before)], set(), [*after, before[0]], [ours]).share == 0.0


def test_kept_blocks_are_left_out_and_counted() -> None:
    before = [line((10, 10, 200, 40), "HELLO THERE")]
    score = removal([block(0, before)], {0}, before)
    assert score.share is None and score.kept_blocks == 1


def test_text_read_elsewhere_is_not_in_place() -> None:
    before = [line((10, 10, 200, 40), "HELLO THERE")]
    moved: list[TextLine] = [line((400, 300, 590, 330), "HELLO THERE")]
    assert removal([block(0, before)], set(), moved).share == 1.0


def test_fully_removed_page_scores_one_and_untouched_page_zero(engine: PageReader) -> None:
    source = page()
    layout = ClassicalAnalyser().analyse(source, PageText(engine.read(source).lines), "en")
    assert layout.blocks, "OCR found no text on the drawn page"
    blank = np.full_like(source, 255)
    assert removal(layout.blocks, set(), engine.read(blank).lines).share == 1.0
    assert removal(layout.blocks, set(), engine.read(source).lines).share == 0.0


def test_half_erased_page_scores_the_erased_share(engine: PageReader) -> None:
    source = page()
    layout = ClassicalAnalyser().analyse(source, PageText(engine.read(source).lines), "en")
    erased = source.copy()
    erased[150:320] = 255  # the second line gone, the first kept
    score = removal(layout.blocks, set(), engine.read(erased).lines)
    total = len(letters(FIRST)) + len(letters(SECOND))
    assert score.share == pytest.approx(len(letters(SECOND)) / total, abs=0.05)


def test_sound_effects_count_as_kept_when_nothing_is_lettered() -> None:
    def block_of(index: int, kind: str, translation: str) -> RenderedBlock:
        return RenderedBlock(index, (0, 0, 10, 10), "h", "ALZ_CORNER", translation, 0,
                             (0, 0, 0), "fill", kind=cast(BlockKind, kind))

    assert kept_indices([block_of(0, "sfx", ""), block_of(1, "art", ""),
                         block_of(2, "art", "ALZ_CORNER"), block_of(3, "bubble", "x")]) == {0, 2}
