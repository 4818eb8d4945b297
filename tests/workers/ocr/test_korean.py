from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from workers.errors import MissingExtra, ModelMissing
from workers.ocr import korean as korean_module
from workers.ocr.korean import KoreanRecognizer
from workers.ocr.tesseract import find_tessdata

CROP = np.full((30, 90, 3), 255, np.uint8)


def test_unknown_name_is_refused() -> None:
    with pytest.raises(ModelMissing, match="known: auto, onnx, tesseract"):
        KoreanRecognizer("paddle")


def test_onnx_by_name_without_the_file_offline_fails_on_first_use(tmp_path: Path) -> None:
    korean = KoreanRecognizer("onnx", cache_dir=tmp_path, download=False)
    assert korean.name == "korean-onnx"
    with pytest.raises(ModelMissing, match="korean_ppocrv5_rec"):
        korean.recognize([CROP])


def test_auto_offline_falls_back_to_tesseract(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("tesserocr")
    if find_tessdata("kor") is None:
        pytest.skip("no Tesseract Korean data (apt-get install tesseract-ocr-kor)")
    korean = KoreanRecognizer("auto", cache_dir=tmp_path, download=False)
    with caplog.at_level(logging.WARNING, "workers.ocr.korean"):
        assert [r.text for r in korean.recognize([CROP])] == [""]
    assert korean.name == "tesseract" and korean.available
    assert "Tesseract kor" in caplog.text


def test_auto_without_any_korean_reader_reads_nothing_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def missing() -> None:
        raise MissingExtra("no tesserocr")

    monkeypatch.setattr(korean_module, "load_tesseract", missing)
    korean = KoreanRecognizer("auto", cache_dir=tmp_path, download=False)
    with caplog.at_level(logging.WARNING, "workers.ocr.korean"):
        assert korean.recognize([CROP, CROP]) == korean.recognize([CROP, CROP])
        korean.recognize([CROP])
    assert not korean.available
    assert caplog.text.count("no Korean recognizer") == 1, "one warning, not one per page"
