"""The line breaker: whole words, dictionary hyphens as a last resort, kinsoku, Korean."""

from __future__ import annotations

import pyphen
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.render.hyphen import splitter
from workers.render.wrap import NO_LINE_END, NO_LINE_START, Breaker, tokenize


def _chars(s: str) -> float:
    """One unit per character, spaces included: easy widths to reason about."""
    return float(len(s))


def _breaker(text: str, lang: str = "en", by_chars: bool = False) -> Breaker:
    return Breaker(tokenize(text, by_chars), _chars, splitter(lang))


def test_words_are_never_split_without_hyphenation() -> None:
    b = _breaker("the balloons won't float without helium")
    broken = b.break_into([12.0] * 6)
    assert broken is not None
    assert broken.lines == ("the balloons", "won't float", "without", "helium")
    assert broken.hyphens == 0
    # A word wider than every line: no fit rather than a split.
    assert b.break_into([5.0] * 10) is None


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=12),
    width=st.integers(6, 30),
)
def test_lines_join_back_to_the_text(words: list[str], width: int) -> None:
    text = " ".join(words)
    broken = _breaker(text).break_into([float(width)] * 40)
    if broken is None:
        assert max(len(w) for w in words) > width
        return
    assert " ".join(broken.lines) == text  # every break is at a space
    assert all(len(line) <= width for line in broken.lines)


def test_hyphenation_only_for_a_word_wider_than_its_line() -> None:
    text = "that was incomprehensible"
    b = _breaker(text)
    # Wide enough for the long word on a line of its own: moved whole, never cut.
    whole = b.break_into([10.0, 17.0, 17.0], hyphenate=True)
    assert whole is not None and whole.hyphens == 0
    assert whole.lines == ("that was", "incomprehensible")
    # Too narrow for it: cut at a point the dictionary gives, with the hyphen drawn.
    cut = b.break_into([10.0, 10.0, 10.0], hyphenate=True)
    assert cut is not None and cut.hyphens == 1
    head = next(line for line in cut.lines if line.endswith("-"))
    word_head = head.split(" ")[-1][:-1]
    points = pyphen.Pyphen(lang="en").positions("incomprehensible")
    assert len(word_head) in points
    assert "".join(cut.lines).replace("-", "").replace(" ", "") == text.replace(" ", "")
    # Without hyphenation the same widths do not fit.
    assert b.break_into([10.0, 10.0, 10.0]) is None


def test_cut_keeps_letters_on_both_sides_and_punctuation_off_the_dictionary() -> None:
    points = splitter("en")
    assert points is not None
    assert points("Yup!") == ()  # too short to cut at all
    for word in ("(beginning)...", "stomachache.", "complicated"):
        core = word.strip("().!?")
        offset = word.index(core)
        for at in points(word):
            assert at - offset >= 2 and len(core) - (at - offset) >= 3
    assert points("R2-D2") == ()


def test_at_most_one_hyphen_per_block() -> None:
    b = _breaker("incomprehensible incomprehensibilities")
    broken = b.break_into([9.0] * 10, hyphenate=True)
    assert broken is None or broken.hyphens <= 1


def test_break_after_a_words_own_hyphen() -> None:
    broken = _breaker("aikawa-san, yes?").break_into([8.0, 8.0, 8.0])
    assert broken is not None
    assert broken.lines == ("aikawa-", "san,", "yes?")
    assert broken.hyphens == 0  # the hyphen was the translation's own


def test_japanese_breaks_by_character_with_kinsoku() -> None:
    text = "「本当に？」そうだよ。行こう、今すぐ。"
    b = Breaker(tokenize(text, True), _chars)
    for width in range(3, 9):
        broken = b.break_into([float(width)] * 20)
        assert broken is not None
        assert "".join(broken.lines) == text
        for line in broken.lines[1:]:
            assert line[0] not in NO_LINE_START, (width, broken.lines)
        for line in broken.lines[:-1]:
            assert line[-1] not in NO_LINE_END, (width, broken.lines)


def test_latin_run_in_japanese_stays_whole() -> None:
    tokens = tokenize("これはOKです", True)
    assert "OK" in [t.text for t in tokens]


def test_korean_breaks_between_words_only() -> None:
    text = "정말 고마워요 선생님"
    assert splitter("ko") is None  # no dictionary: a Korean word is never cut
    b = Breaker(tokenize(text, False), _chars, splitter("ko"))
    broken = b.break_into([4.0] * 5, hyphenate=True)
    assert broken is not None and broken.lines == ("정말", "고마워요", "선생님")
    # Narrower than a word: no fit, never a split eojeol.
    assert b.break_into([3.0] * 10, hyphenate=True) is None
