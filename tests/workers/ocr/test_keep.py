from __future__ import annotations

import pytest

from workers.ocr.keep import is_noise, keep_line


@pytest.mark.parametrize(("text", "score", "kept"), [
    ("やめて", 0.9, True),  # sure
    ("米", 0.9, True),
    ("や", 0.44, True),  # unsure, but kana: the short first column of a bubble
    ("やEN..", 0.46, True),
    ("말도", 0.25, True),  # hangul
    ("米", 0.24, False),  # unsure lone kanji: texture
    ("S!", 0.35, False),
    ("3", 0.31, False),
    ("￥", 0.44, False),
    ("や", 0.1, False),  # under the floor the recognizer is guessing
    ("--", 0.9, False),  # ASCII punctuation alone is specks
    ("", 0.9, False),
])
def test_keep_line(text: str, score: float, kept: bool) -> None:
    assert keep_line(text, score, 0.5) is kept


def test_noise_is_ascii_punctuation_only() -> None:
    assert is_noise(".,") and is_noise("-")
    assert not is_noise("……") and not is_noise("！？") and not is_noise("a.")
