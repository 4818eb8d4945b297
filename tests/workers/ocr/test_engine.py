from __future__ import annotations

import numpy as np
import pytest

from tests.drawing import text_page, vertical_page
from workers.config import MachineSettings
from workers.ocr.reader import PageReader
from workers.ocr.registry import load_reader


@pytest.fixture(scope="module")
def engine() -> PageReader:
    return load_reader(MachineSettings(), threads=1)


def test_reads_drawn_english(engine: PageReader) -> None:
    page = text_page([("HELLO THERE", (40, 40)), ("SECOND LINE", (40, 300))])
    lines = engine.read(page).lines
    texts = [ln.text.upper().replace(" ", "") for ln in lines]
    assert "HELLOTHERE" in texts and "SECONDLINE" in texts
    assert all(not ln.vertical for ln in lines)
    first = next(ln for ln in lines if "HELLO" in ln.text.upper())
    x0, y0, x1, _y1 = first.bbox
    assert 20 <= x0 <= 60 and 25 <= y0 <= 60 and x1 > 200


def test_blank_page_has_no_lines(engine: PageReader) -> None:
    assert engine.read(np.full((300, 300, 3), 255, np.uint8)).lines == []


def test_tall_strip_text_found_once_everywhere(engine: PageReader) -> None:
    # 600x6000: tiled; the words sit near tile borders too.
    words = [("ALPHA BRAVO", 300), ("CHARLIE DELTA", 900), ("ECHO FOXTROT", 1900),
             ("GOLF HOTEL", 2950), ("INDIA JULIET", 4100), ("KILO LIMA", 5800)]
    page = text_page([(w, (60, y)) for w, y in words], size=(600, 6000), font_size=40)
    lines = engine.read(page).lines
    texts = [ln.text.upper().replace(" ", "") for ln in lines]
    for word, y in words:
        hits = [ln for ln in lines if ln.text.upper().replace(" ", "") == word.replace(" ", "")]
        assert len(hits) == 1, (word, texts)
        assert abs(hits[0].bbox[1] - y) < 30


def test_vertical_japanese_columns_stay_vertical(engine: PageReader) -> None:
    page = vertical_page([("こんにちは", (300, 40)), ("ありがとう", (230, 40))], (400, 400))
    if page is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    lines = engine.read(page).lines
    assert len(lines) == 2 and all(ln.vertical for ln in lines)
    assert {ln.text for ln in lines} == {"こんにちは", "ありがとう"}
