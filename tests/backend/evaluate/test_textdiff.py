from __future__ import annotations

import pytest

from backend.evaluate.textdiff import cer, edit_distance, normalize


def test_identical_strings_have_no_errors() -> None:
    assert cer("ただ空気いれた風船", "ただ空気いれた風船") == 0.0
    assert edit_distance("", "") == 0


@pytest.mark.parametrize(("a", "b", "edits"), [
    ("kitten", "sitting", 3),   # two substitutions, one insertion
    ("abc", "", 3),
    ("", "abc", 3),
    ("flaw", "lawn", 2),        # one deletion, one insertion
    ("今日も大猟", "今日も大漁", 1),
])
def test_known_edit_distances(a: str, b: str, edits: int) -> None:
    assert edit_distance(a, b) == edits
    assert edit_distance(b, a) == edits


def test_cer_is_edits_per_reference_character() -> None:
    assert cer("kitten", "sitting") == pytest.approx(3 / 6)
    assert cer("abcd", "abXd") == pytest.approx(1 / 4)
    assert cer("ab", "abcdef") == pytest.approx(2.0)


def test_width_case_and_spaces_do_not_count() -> None:
    assert normalize("ん？ ＡＢ\nc…") == "ん?abc..."
    assert cer("WAIT! DON'T", "wait!don't") == 0.0
    assert cer("", "") == 0.0
    assert cer("", "x") == 1.0
