"""A whole page through the reader: detection, the per-page choice of recognizer, the lines
kept, the page's language. Pages drawn by the test with Noto Sans CJK."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.workers.ocr.hangul import cjk_font
from workers.config import MachineSettings
from workers.ocr.reader import PageReader
from workers.ocr.registry import load_reader
from workers.ocr.tesseract import find_tessdata
from workers.types import Image as Array


def _reader() -> PageReader:
    pytest.importorskip("tesserocr")
    if find_tessdata("kor") is None:
        pytest.skip("no Tesseract Korean data (apt-get install tesseract-ocr-kor)")
    return load_reader(MachineSettings(korean="tesseract", download=False), threads=1)


@pytest.fixture(scope="module")
def reader() -> PageReader:
    return _reader()


@pytest.fixture(scope="module")
def cjk_reader() -> PageReader:
    """A reader that only ever sees Japanese and Chinese pages."""
    return _reader()


def _page(lang: str, bubble: list[str], caption: str) -> Array:
    """A webtoon panel: a speech bubble of tightly set lines, and a black narration box
    with white lettering."""
    font = cjk_font(lang, 30)
    if font is None:
        pytest.skip(f"no {lang} font (fonts-noto-cjk)")
    img = Image.new("RGB", (640, 520), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((40, 30, 600, 300), fill=(255, 255, 255), outline=(0, 0, 0), width=3)
    for i, text in enumerate(bubble):
        width = draw.textlength(text, font=font)
        draw.text((320 - width / 2, 85 + i * 38), text, fill=(0, 0, 0), font=font)
    draw.rectangle((60, 360, 580, 460), fill=(0, 0, 0))
    draw.text((90, 390), caption, fill=(255, 255, 255), font=font)
    return np.asarray(img).copy()


def _hangul(text: str) -> str:
    return "".join(ch for ch in text if 0xAC00 <= ord(ch) <= 0xD7A3)


def test_a_korean_page_is_read_as_korean(reader: PageReader) -> None:
    bubble = ["마누라가 둘째를", "임신해서 말이야", "정말 다행이다"]
    page = _page("ko", bubble, "그날 밤 아무도 몰랐다")
    text = reader.read(page, "auto")
    assert text.lang == "ko"
    read = [_hangul(ln.text) for ln in text.lines]
    for expected in [*bubble, "그날 밤 아무도 몰랐다"]:
        assert _hangul(expected) in read, read
    assert all(not ln.vertical for ln in text.lines)


@pytest.mark.parametrize(("lang", "bubble", "caption"), [
    ("ja", ["ありがとうございます", "お手伝いします"], "その夜、誰も知らなかった"),
    ("zh", ["车祸后我一直很害怕", "谢谢你救了我"], "那天晚上谁也不知道"),
])
def test_japanese_and_chinese_pages_stay_theirs(cjk_reader: PageReader, lang: str,
                                                bubble: list[str], caption: str) -> None:
    text = cjk_reader.read(_page(lang, bubble, caption), "auto")
    assert text.lang == lang
    korean = cjk_reader.korean
    assert korean is not None and korean.name == "korean-tesseract", \
        "confident pages never load the Korean recognizer"
    joined = "".join(ln.text for ln in text.lines)
    assert sum(ch in joined for ch in "".join(bubble)) >= 0.8 * len("".join(bubble))


def test_source_ko_reads_korean_without_deciding(reader: PageReader) -> None:
    text = reader.read(_page("ko", ["오랜만이야"], "세상 살기 쉽지 않아"), "ko")
    assert text.lang == "ko"
    assert "오랜만이야" in [_hangul(ln.text) for ln in text.lines]
