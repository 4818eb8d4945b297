from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from backend.evaluate.dataset import GroundTruth, Region, load_samples, project_truth
from backend.evaluate.korean import best_stretch, found_in, hangul, korean_score, korean_totals
from tests.drawing import encode
from tests.workers.ocr.hangul import cjk_font
from workers.ocr.tesseract import find_tessdata

REPO = Path(__file__).resolve().parents[3]


def test_hangul_keeps_syllables_only() -> None:
    assert hangul("아니, 박씨! OK 10주년…") == "아니박씨주년"


def test_best_stretch_has_free_ends() -> None:
    page = "내일이드디어황제폐하의탄신일이지공휴일로"
    assert best_stretch("황제폐하의", page) == 0
    assert best_stretch("황재폐하의", page) == 1
    assert best_stretch("공휴일로선포", page) == 2  # the tail the page never read
    assert best_stretch("", page) == 0 and best_stretch("가나", "") == 2


def test_found_in_counts_syllables_in_order() -> None:
    assert found_in("오랜만이야", "오랜만이야") == 5
    assert found_in("오랜만이야", "오렌만이야") == 4
    assert found_in("오랜만이야", "") == 0


def test_cer_is_over_the_pages_text_in_any_grouping() -> None:
    truth = GroundTruth("project_transcription", (
        Region(None, "내일이 드디어\n황제 폐하의 탄신일이지?"), Region(None, "공휴일로")))
    # Both bubbles read into one block, one syllable wrong: CER 1/20.
    score = korean_score(truth, ["내일이 드디어 황제 폐하의 탄신일이지? 공휴일루"], None, None)
    assert score is not None
    assert (score.syllables, score.edits, score.cer) == (20, 1, 0.05)
    assert score.removed is None  # nothing read without images
    assert korean_score(GroundTruth("x", (Region(None, "HELLO"),)), ["HELLO"], None, None) \
        is None


def _page(text: str, keep: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """The text drawn, the same page with all but its first `keep` characters erased, and
    the text's box."""
    font = cjk_font("ko", 32)
    if font is None:
        pytest.skip("no Korean font (fonts-noto-cjk)")
    img = Image.new("RGB", (420, 200), (255, 255, 255))
    ImageDraw.Draw(img).text((30, 60), text, fill=(0, 0, 0), font=font)
    before = np.asarray(img).copy()
    half = before.copy()
    half[:, 30 + round(font.getlength(keep)):] = 255
    return before, half, (20, 50, 400, 120)


def test_removed_reads_input_and_output_in_place() -> None:
    pytest.importorskip("tesserocr")
    if find_tessdata("kor") is None:
        pytest.skip("no Tesseract Korean data")
    before, half, box = _page("말도 안 했다", keep="말도 ")
    truth = GroundTruth("project_transcription", (Region(box, "말도 안 했다"),))
    erased = np.full_like(before, 255)
    gone = korean_score(truth, ["말도 안 했다"], before, erased)
    kept = korean_score(truth, ["말도 안 했다"], before, before)
    part = korean_score(truth, ["말도 안 했다"], before, half)
    assert gone is not None and kept is not None and part is not None
    assert gone.readable == 5 and gone.removed == 1.0 and gone.cer == 0.0
    assert kept.removed == 0.0
    assert part.left == 2 and part.removed == pytest.approx(0.6)
    totals = korean_totals([gone, kept])
    assert totals["readable"] == 10 and totals["removed"] == 0.5 and totals["cer"] == 0.0


def test_project_truth_applies_to_its_own_image_only(tmp_path: Path) -> None:
    image = tmp_path / "images" / "ko_panel_x.png"
    image.parent.mkdir()
    data = encode(np.full((40, 60, 3), 255, np.uint8))
    image.write_bytes(data)
    project = tmp_path / "project"
    project.mkdir()
    record = {"image": {"sha256": hashlib.sha256(data).hexdigest()},
              "ground_truth_type": "project_transcription",
              "regions": [{"bbox_xywh": [1, 2, 10, 20], "text": "오올~", "kind": "sfx"}]}
    (project / "ko_panel_x.json").write_text(json.dumps(record), encoding="utf-8")
    truth = project_truth(image, project)
    assert truth is not None and truth.kind == "project_transcription"
    assert truth.regions[0] == Region((1, 2, 11, 22), "오올~", "sfx")
    (sample,) = load_samples(image.parent, tmp_path, project=project)
    assert sample.truth == truth
    image.write_bytes(data + b"\0")  # another image of the same name
    assert project_truth(image, project) is None


def test_the_korean_samples_have_boxed_transcriptions() -> None:
    folder = REPO / "backend" / "evaluate" / "data" / "groundtruth"
    for stem in ("ko_crop_basiccat_ocr_korean", "ko_panel_aneesnashath_raw",
                 "ko_strip_basiccat_princess_hours"):
        record = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        assert record["ground_truth_type"] == "project_transcription"
        width, height = record["image"]["width"], record["image"]["height"]
        for region in record["regions"]:
            x, y, w, h = region["bbox_xywh"]
            assert 0 <= x < x + w <= width and 0 <= y < y + h <= height
            assert hangul(region["text"])
