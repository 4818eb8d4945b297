from __future__ import annotations

from workers.render.wrap import (
    NO_LINE_END,
    NO_LINE_START,
    normalize,
    tokenize,
    wrap,
    wrap_balanced,
)


def monospace(text: str) -> float:
    """One unit per character: makes expected line breaks easy to read."""
    return float(len(text))


def test_wraps_by_words() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    lines = wrap(tokenize(text, by_chars=False), 12, monospace)
    assert lines == ["the quick", "brown fox", "jumps over", "the lazy dog"]
    assert all(len(line) <= 12 for line in lines)
    assert " ".join(lines) == text


def test_long_word_is_broken_between_characters_without_hyphen() -> None:
    lines = wrap(tokenize("a supercalifragilistic word", by_chars=False), 8, monospace)
    assert all(len(line) <= 8 for line in lines)
    assert "-" not in "".join(lines)
    assert "".join(lines).replace(" ", "") == "asupercalifragilisticword"


def test_korean_wraps_at_spaces() -> None:
    lines = wrap(tokenize("안녕하세요 여러분 반갑습니다", by_chars=False), 7, monospace)
    assert lines == ["안녕하세요", "여러분", "반갑습니다"]


def test_wraps_japanese_by_characters() -> None:
    text = "きょうはとてもいいてんきですね"
    lines = wrap(tokenize(text, by_chars=True), 5, monospace)
    assert "".join(lines) == text
    assert all(len(line) <= 5 for line in lines)
    assert len(lines) == 3


def test_kinsoku_no_line_starts_with_closing_punctuation() -> None:
    text = "あいうえお。かきくけこ、さしすせそ」たちつてと！なにぬねの"
    for width in range(3, 12):
        lines = wrap(tokenize(text, by_chars=True), width, monospace)
        assert "".join(lines) == text
        for line in lines[1:]:
            assert line[0] not in NO_LINE_START, (width, lines)


def test_kinsoku_no_line_ends_with_opening_bracket() -> None:
    text = "あいうえおか「きくけこ」さしすせそ"
    for width in range(3, 10):
        lines = wrap(tokenize(text, by_chars=True), width, monospace)
        for line in lines[:-1]:
            assert line[-1] not in NO_LINE_END, (width, lines)


def test_latin_runs_inside_cjk_stay_whole() -> None:
    tokens = tokenize("これはOKです", by_chars=True)
    assert [t.text for t in tokens] == ["こ", "れ", "は", "OK", "で", "す"]


def test_balanced_lines_keep_line_count_and_words() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    greedy = wrap(tokenize(text, by_chars=False), 20, monospace)
    balanced = wrap_balanced(tokenize(text, by_chars=False), 20, monospace)
    assert len(balanced) == len(greedy)
    assert max(map(len, balanced)) <= max(map(len, greedy))
    assert " ".join(balanced) == text


def test_balancing_never_breaks_a_word() -> None:
    text = "No way that can't be true! It's impossible, I tell you."
    for width in range(12, 30):
        lines = wrap_balanced(tokenize(text, by_chars=False), width, monospace)
        assert " ".join(lines) == text, (width, lines)


def test_normalize_collapses_source_line_breaks() -> None:
    assert normalize("  Hello\nthere \t friend ") == "Hello there friend"
