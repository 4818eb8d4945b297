from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.evaluate.dataset import DatasetError, image_kind, load_samples
from tests.drawing import encode, text_page


def make_samples(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "groundtruth").mkdir()
    for name in ("ja_page_a.png", "en_strip_b.png", "en_page_c.png"):
        (root / "images" / name).write_bytes(encode(text_page([("HI", (10, 10))],
                                                              size=(80, 60))))
    (root / "SOURCES.tsv").write_text(
        "file\trepo\tpath\tcommit\tlicense\tlanguage\tkind\tground_truth\n"
        "ja_page_a.png\tr\tp\tc\tl\tja\tpage\tこんにちは\n"
        "en_strip_b.png\tr\tp\tc\tl\ten\tstrip\t\n", encoding="utf-8")
    (root / "groundtruth" / "ja_page_a.json").write_text(json.dumps({
        "ground_truth_type": "human_annotation",
        "regions": [{"bbox_xywh": [1, 2, 30, 40], "text": "こんにちは"},
                    {"bbox_xywh": [50, 2, 10, 10], "text": "!"}]}), encoding="utf-8")
    return root


def test_samples_with_sources_and_ground_truth(tmp_path: Path) -> None:
    root = make_samples(tmp_path / "samples")
    samples = load_samples(root, tmp_path)
    assert [s.name for s in samples] == ["en_page_c.png", "en_strip_b.png", "ja_page_a.png"]
    a = samples[2]
    assert a.language == "ja" and a.kind == "page" and a.truth is not None
    assert a.truth.kind == "human_annotation" and a.truth.has_boxes
    assert a.truth.regions[0].bbox == (1, 2, 31, 42)
    assert samples[0].truth is None and samples[0].language == ""
    # The images folder itself finds the same metadata next to it.
    assert [s.truth is not None for s in load_samples(root / "images", tmp_path)] == \
        [False, False, True]


def test_only_and_limit(tmp_path: Path) -> None:
    root = make_samples(tmp_path / "samples")
    assert [s.name for s in load_samples(root, tmp_path, only=["en_*"], limit=1)] == \
        ["en_page_c.png"]
    with pytest.raises(DatasetError, match="no images matching"):
        load_samples(root, tmp_path, only=["zz*"])


def test_missing_samples_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no samples at .*shared/samples"):
        load_samples(None, tmp_path / "repo")


def test_kind_falls_back_to_the_shape(tmp_path: Path) -> None:
    root = make_samples(tmp_path / "samples")
    c = load_samples(root, tmp_path, only=["en_page_c.png"])[0]
    assert image_kind(c, 800, 3000) == "strip" and image_kind(c, 800, 1200) == "page"
