"""Which recognizer reads a page: Korean against Chinese and Japanese, on lines drawn by the
test, with the real recognizers; and the decision's rules with stand-in recognizers."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pytest

from tests.workers.ocr.hangul import line_image
from workers.ocr.base import Recognition, TextRecognizer
from workers.ocr.script import read_page, sample
from workers.ocr.tesseract import find_tessdata
from workers.types import Box, Image

PAGES = {
    "ko": ["오랜만이야.", "아니, 박씨!", "자네가 여긴 무슨 일이야?", "마누라가 둘째를",
           "임신해서 말이야."],
    "ja": ["ありがとうございます", "お手伝いします", "推薦のために", "大概にしやがれ"],
    "zh": ["车祸后我一直很害怕", "想不到你不止是陪着我", "我们去便利店", "谢谢你"],
}


@cache
def _main() -> TextRecognizer:
    from workers.ocr.ppocr import Ppocr

    return Ppocr(threads=1).recognizer


@cache
def _korean() -> TextRecognizer:
    pytest.importorskip("tesserocr")
    if find_tessdata("kor") is None:
        pytest.skip("no Tesseract Korean data (apt-get install tesseract-ocr-kor)")
    from workers.ocr.tesseract import TesseractRecognizer

    return TesseractRecognizer()


def _page(lang: str) -> tuple[list[Image], list[Box]]:
    crops = [line_image(t, lang) for t in PAGES[lang]]
    if any(c is None for c in crops):
        pytest.skip(f"no {lang} font (fonts-noto-cjk)")
    drawn = [c for c in crops if c is not None]
    return drawn, [(0, 0, c.shape[1], c.shape[0]) for c in drawn]


@pytest.mark.parametrize("lang", ["ko", "ja", "zh"])
def test_auto_picks_the_recognizer_of_the_script(lang: str) -> None:
    crops, boxes = _page(lang)
    reading = read_page(crops, boxes, _main(), _korean(), "auto")
    assert reading.korean == (lang == "ko")
    texts = "".join(r.text for r in reading.recognitions)
    expected = "".join(PAGES[lang]).replace(" ", "")
    hits = sum(1 for ch in set(expected) if ch in texts)
    assert hits >= 0.8 * len(set(expected)), texts


class Fake:
    """Answers a fixed reading for every crop and counts the crops it was given."""

    def __init__(self, name: str, text: str, score: float) -> None:
        self.name = name
        self.langs = frozenset({"ko"} if name == "ko" else {"ja", "zh"})
        self.answer = Recognition(text, score)
        self.seen = 0
        self.min_score = 0.5

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        self.seen += len(crops)
        return [self.answer] * len(crops)


def _crops(n: int) -> tuple[list[Image], list[Box]]:
    boxes = [(0, 0, 10 + i, 10) for i in range(n)]
    return [np.zeros((10, 10 + i, 3), np.uint8) for i in range(n)], boxes


def test_a_confident_page_never_asks_the_korean_recognizer() -> None:
    crops, boxes = _crops(20)
    main, korean = Fake("main", "ありがとう", 0.99), Fake("ko", "안녕하세요", 0.99)
    reading = read_page(crops, boxes, main, korean, "auto")
    assert not reading.korean and korean.seen == 0
    assert main.seen == 20, "each line is read once, the sampled ones included"


def test_korean_wins_when_it_reads_more() -> None:
    crops, boxes = _crops(20)
    main, korean = Fake("main", "言", 0.6), Fake("ko", "안녕하세요", 0.9)
    reading = read_page(crops, boxes, main, korean, "auto")
    assert reading.korean and reading.recognizer is korean
    assert [r.text for r in reading.recognitions] == ["안녕하세요"] * 20
    assert korean.seen == 20 and main.seen == 8


def test_unsure_korean_reading_loses_to_a_better_one() -> None:
    crops, boxes = _crops(5)
    main, korean = Fake("main", "ぎゃっ", 0.7), Fake("ko", "갸", 0.3)
    reading = read_page(crops, boxes, main, korean, "auto")
    assert not reading.korean and [r.text for r in reading.recognitions] == ["ぎゃっ"] * 5


def test_a_named_source_skips_the_decision() -> None:
    crops, boxes = _crops(3)
    main, korean = Fake("main", "言", 0.2), Fake("ko", "안녕", 0.9)
    assert read_page(crops, boxes, main, korean, "ko").korean and main.seen == 0
    assert not read_page(crops, boxes, main, korean, "ja").korean and korean.seen == 3
    assert not read_page(crops, boxes, main, None, "auto").korean


def test_sample_takes_the_largest_lines_in_page_order() -> None:
    boxes = [(0, 0, 10, 10), (0, 20, 100, 40), (0, 50, 5, 55), (0, 60, 80, 90)]
    assert sample(boxes, 2) == [1, 3]
