from __future__ import annotations

from tests.workers.render.pages import cjk_face_or_skip, latin_face
from workers.render.layout import (
    MIN_FONT_SIZE,
    PAD,
    fit_text,
    size_range,
    wraps_by_chars,
)
from workers.render.wrap import NO_LINE_START


def test_fits_inside_box() -> None:
    face = latin_face()
    fit = fit_text("Where are we going now?", 200, 120, face, by_chars=False, max_size=40)
    assert not fit.overflow
    assert MIN_FONT_SIZE <= fit.font_size <= 40
    assert fit.width + 2 * PAD <= 200
    assert fit.height + 2 * PAD <= 120
    assert " ".join(fit.lines) == "Where are we going now?"


def test_size_is_the_largest_that_fits() -> None:
    face = latin_face()
    text = "I told you not to come back here, didn't I?"
    fit = fit_text(text, 180, 150, face, by_chars=False, max_size=60)
    assert not fit.overflow
    bigger = fit_text(text, 180, 150, face, by_chars=False, min_size=fit.font_size + 1, max_size=60)
    assert bigger.overflow


def test_short_text_is_capped_at_max_size() -> None:
    fit = fit_text("OK", 400, 400, latin_face(), by_chars=False, max_size=26)
    assert fit.font_size == 26


def test_long_text_flags_overflow_at_min_size() -> None:
    text = " ".join(["overflowing"] * 60)
    fit = fit_text(text, 80, 40, latin_face(), by_chars=False, max_size=30)
    assert fit.overflow
    assert fit.font_size == MIN_FONT_SIZE
    assert " ".join(fit.lines).replace(" ", "") == text.replace(" ", "")


def test_outline_leaves_room_for_the_stroke() -> None:
    face = latin_face()
    fit = fit_text("Stroke me", 150, 60, face, by_chars=False, max_size=60, outline=True)
    assert fit.stroke >= 1
    assert fit.width + 2 * (fit.stroke + PAD) <= 150
    assert fit.height + 2 * (fit.stroke + PAD) <= 60


def test_prefers_smaller_size_to_breaking_words() -> None:
    text = "It's impossible, I tell you."
    fit = fit_text(text, 150, 400, latin_face(), by_chars=False, max_size=60)
    assert " ".join(fit.lines) == text


def test_japanese_fits_by_characters_with_kinsoku() -> None:
    face = cjk_face_or_skip("ja")
    text = "私たちは今どこへ行くのですか？「本当に」そう思う。"
    fit = fit_text(text, 120, 200, face, by_chars=True, max_size=40)
    assert not fit.overflow
    assert "".join(fit.lines) == text
    assert all(line[0] not in NO_LINE_START for line in fit.lines[1:])
    assert fit.width + 2 * PAD <= 120


def test_size_range_relative_to_source() -> None:
    assert size_range(20, 500) == (MIN_FONT_SIZE, 26)
    assert size_range(4, 500) == (MIN_FONT_SIZE, MIN_FONT_SIZE)
    assert size_range(0, 70) == (MIN_FONT_SIZE, 70)


def test_wrap_mode_by_target() -> None:
    assert wraps_by_chars("ja", "anything")
    assert wraps_by_chars("zh-TW", "anything")
    assert not wraps_by_chars("en", "hello world")
    assert not wraps_by_chars("ko", "안녕하세요 여러분")
    assert wraps_by_chars("en", "こんにちは")
