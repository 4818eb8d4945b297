from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.workers.ocr.hangul import bubble_lines, line_image
from workers.errors import ModelMissing
from workers.ocr import tesseract as tesseract_module
from workers.ocr.tesseract import MAX_READ_HEIGHT, TesseractRecognizer, find_tessdata

pytest.importorskip("tesserocr")
if find_tessdata("kor") is None:
    pytest.skip("no Tesseract Korean data (apt-get install tesseract-ocr-kor)",
                allow_module_level=True)


def _hangul(text: str) -> str:
    return "".join(ch for ch in text if 0xAC00 <= ord(ch) <= 0xD7A3)


@pytest.fixture(scope="module")
def tesseract() -> TesseractRecognizer:
    return TesseractRecognizer()


def test_reads_drawn_hangul_lines_in_one_call(tesseract: TesseractRecognizer) -> None:
    texts = ["오랜만이야.", "자네가 여긴 무슨 일이야?", "말도 안 했다."]
    crops = [line_image(t) for t in texts]
    if any(c is None for c in crops):
        pytest.skip("no Korean font (fonts-noto-cjk)")
    results = tesseract.recognize([c for c in crops if c is not None])
    assert len(results) == 3
    for text, result in zip(texts, results, strict=True):
        assert _hangul(result.text) == _hangul(text), result
        assert 0.5 < result.score <= 1.0


def test_white_on_black_narration_is_read(tesseract: TesseractRecognizer) -> None:
    crop = line_image("궁금하지 않으세요", fg=(250, 250, 250), bg=(10, 10, 10))
    if crop is None:
        pytest.skip("no Korean font (fonts-noto-cjk)")
    (result,) = tesseract.recognize([crop])
    assert _hangul(result.text) == "궁금하지않으세요"


def test_tight_lines_read_without_their_neighbours(tesseract: TesseractRecognizer) -> None:
    texts = ["마누라가 둘째를", "임신해서 말이야", "하하 그렇구나"]
    drawn = bubble_lines(texts)
    if drawn is None:
        pytest.skip("no Korean font (fonts-noto-cjk)")
    page, boxes = drawn
    # Each padded box takes in the feet of the line above and the heads of the line below.
    crops = [page[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    assert any((c[:3] < 128).any() for c in crops[1:]), "the test needs overlapping boxes"
    results = tesseract.recognize(crops)
    assert [_hangul(r.text) for r in results] == [_hangul(t) for t in texts]


def test_large_lettering_is_read_without_enlarging_it(tesseract: TesseractRecognizer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = line_image("오랜만이야", size=24), line_image("오랜만이야", size=200)
    if small is None or large is None:
        pytest.skip("no Korean font (fonts-noto-cjk)")
    heights: list[float] = []
    read_at = TesseractRecognizer._read_at

    def recorded(self: TesseractRecognizer, crop: np.ndarray, scale: float) -> object:
        heights.append(crop.shape[0] * scale)
        return read_at(self, crop, scale)

    monkeypatch.setattr(tesseract_module.TesseractRecognizer, "_read_at", recorded)
    results = tesseract.recognize([small, large])
    assert [_hangul(r.text) for r in results] == ["오랜만이야"] * 2
    # The small line is enlarged twice over; the large one is read as it is, once.
    assert heights[0] == 2 * small.shape[0]
    assert heights[1:] == [large.shape[0]] and large.shape[0] > MAX_READ_HEIGHT


def test_blank_and_degenerate_crops_read_as_nothing(tesseract: TesseractRecognizer) -> None:
    blank = np.full((30, 120, 3), 255, np.uint8)
    empty = np.zeros((0, 10, 3), np.uint8)
    results = tesseract.recognize([blank, empty])
    assert [r.text for r in results] == ["", ""]
    assert all(r.score == 0.0 for r in results)


def test_missing_language_data_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="tesseract-ocr-kor"):
        # A folder without kor.traineddata is refused up front, not when a page is read.
        TesseractRecognizer(lang="kor", tessdata=tmp_path)


def test_find_tessdata_prefers_the_given_folder(tmp_path: Path) -> None:
    (tmp_path / "kor.traineddata").write_bytes(b"x")
    assert find_tessdata("kor", [tmp_path]) == tmp_path
    assert find_tessdata("xyz-none", [tmp_path]) is None
