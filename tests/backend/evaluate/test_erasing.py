"""The erasing figures of EVAL.md on pages small enough to count by hand."""

from __future__ import annotations

import numpy as np
import pytest

from backend.evaluate.erasing import (
    EraseBlock,
    EraseScore,
    TruthBox,
    diff_view,
    erase_score,
    erase_totals,
    ink_mask,
)
from workers.types import Image

BOX = (20, 20, 60, 40)
# A 20 x 4 bar of ink inside the text box, and a one-pixel line of art far from it.
BAR = (slice(28, 32), slice(30, 50))
ART = (slice(0, 100), 100)


def page() -> Image:
    image = np.full((100, 200, 3), 255, np.uint8)
    image[BAR] = 0
    image[ART] = 0
    return image


def score(after: Image, blocks: list[EraseBlock] | None = None,
          text: str = "ABC") -> EraseScore:
    found = [EraseBlock(BOX, text)] if blocks is None else blocks
    return erase_score(page(), after, found, [TruthBox(BOX, "ABC")])


def test_ink_is_dark_and_darker_than_its_neighbourhood() -> None:
    grey = np.full((20, 20), 200, np.int16)
    grey[5, 5] = 100  # 100 below its window's brightest, and under 140: ink
    grey[10, 10] = 150  # dark enough around it, but not under 140
    grey[15:20, 0:20] = 100  # a flat dark area: nothing brighter within 4 px of its middle
    ink = ink_mask(grey)
    assert ink[5, 5] and not ink[10, 10]
    assert ink[15, 3] and not ink[19, 3]


def test_a_clean_erase() -> None:
    after = page()
    after[BAR] = 255
    s = score(after)
    assert s.figures() == {"found": 1.0, "ink_left": 0.0, "ghosts": 0.0, "art_lost": 0.0,
                           "spill": 0.0, "cer": 0.0, "letters_left": 0.0,
                           "letter_ghosts": 0.0}
    assert s.ink == 80 and s.art_ink == 100


def test_a_grey_ghost_is_not_ink_left_but_is_a_ghost() -> None:
    after = page()
    after[BAR] = 200  # lightened by 200: gone as ink; 55 off the white around it
    s = score(after)
    assert s.ink_left_share == 0.0
    assert s.ghost_share == 1.0


def test_ink_left_counts_what_was_not_lightened_enough() -> None:
    after = page()
    after[28:30, 30:50] = 255
    after[30:32, 30:50] = 50  # lightened by 50 only
    assert score(after).ink_left_share == 0.5


def test_art_lost_and_spill_outside_the_text_areas() -> None:
    after = page()
    after[BAR] = 255
    after[0:50, 100] = 255  # half the art line wiped
    after[80:90, 150:160] = (255, 0, 0)  # a red smear on paper: spill, not art
    s = score(after)
    assert s.art_lost_share == 0.5
    assert s.spill_px == 50 + 100
    assert s.spill_per_mille == pytest.approx(1000 * 150 / 20000)


def test_changes_within_six_pixels_of_the_box_are_not_spill() -> None:
    after = page()
    after[BAR] = 255
    after[14:20, 14:66] = (0, 0, 255)  # just above the box, inside its 6 px margin
    assert score(after).spill_px == 0


def test_found_needs_half_of_the_ink_inside_a_block() -> None:
    after = page()
    after[BAR] = 255
    # The block covers the left 12 of the bar's 20 columns: 60 % of its ink.
    assert score(after, [EraseBlock((0, 0, 42, 100), "ABC")]).found_share == 1.0
    # 8 of 20 columns: 40 %.
    assert score(after, [EraseBlock((0, 0, 38, 100), "ABC")]).found_share == 0.0


def test_cer_takes_the_block_overlapping_the_box_most() -> None:
    after = page()
    s = score(after, [EraseBlock((0, 0, 45, 100), "AB"), EraseBlock((45, 0, 200, 100), "X")])
    assert (s.edits, s.chars) == (1, 3)
    # A block covering under 30 % of the box does not count: every character is missed.
    s = score(after, [EraseBlock((55, 0, 200, 100), "ABC")])
    assert (s.edits, s.chars) == (3, 3)


def test_cer_ignores_punctuation_and_case() -> None:
    s = score(page(), text="a-b c!")
    assert s.edits == 0


def test_ghosts_only_on_flat_backgrounds() -> None:
    before = page()
    # Texture under the text: the box's background spans more than 30 levels.
    before[20:40, 20:60:2] = 170
    after = before.copy()
    after[BAR] = 200
    s = erase_score(before, after, [EraseBlock(BOX, "ABC")], [TruthBox(BOX, "ABC")])
    assert s.ghost_share is None and s.ghost_ink == 0


def test_letters_left_leaves_out_ink_that_runs_out_of_the_box() -> None:
    before = page()
    before[20:40, 21] = 0  # an outline crossing the box, running on to the page edge
    before[0:20, 21] = 0
    after = before.copy()
    after[BAR] = 255
    s = erase_score(before, after, [EraseBlock(BOX, "ABC")], [TruthBox(BOX, "ABC")])
    assert s.ink_left_share == pytest.approx(20 / 100)
    assert s.letters_left_share == 0.0
    # The outline stays dark on the white box: a "ghost" by EVAL.md's letter, not a letter's.
    assert s.ghost_share == pytest.approx(20 / 100)
    assert s.letter_ghost_share == 0.0
    assert s.letter_ghost_ink == 80


def test_a_letters_ghost_counts_as_a_letters_ghost() -> None:
    before = page()
    before[20:40, 21] = 0
    before[0:20, 21] = 0
    after = before.copy()
    after[BAR] = 200  # the letters erased to a grey shape
    s = erase_score(before, after, [EraseBlock(BOX, "ABC")], [TruthBox(BOX, "ABC")])
    assert s.letter_ghost_share == 1.0


def test_totals_are_means_over_pages_and_cer_over_characters() -> None:
    clean = page()
    clean[BAR] = 255
    half = page()
    half[28:30, 30:50] = 255
    a = score(clean, text="ABC")
    b = score(half, text="")
    totals = erase_totals([a, b])
    assert totals["ink_left"] == 0.25
    assert totals["cer"] == pytest.approx(3 / 6, abs=1e-4)
    assert totals["art_lost_max"] == 0.0 and totals["pages"] == 2


def test_diff_view_marks_changes_outside_the_text_in_red() -> None:
    after = page()
    after[BAR] = 255
    after[0:10, 100] = 255
    view = diff_view(page(), after, [BOX])
    assert tuple(view[5, 100]) == (230, 20, 20)
    assert tuple(view[30, 40]) == (40, 170, 60)
    assert view[80, 10].min() > 120, "unchanged pixels are shown faded"
