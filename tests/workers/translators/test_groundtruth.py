"""`groundtruth`: annotated translations matched to blocks by their source text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.config import TranslatorSettings
from workers.errors import TranslatorNotConfigured
from workers.translators.base import TranslationRequest
from workers.translators.registry import create_translator


def _page(folder: Path, name: str, regions: list[tuple[str, str]]) -> None:
    record = {"regions": [{"bbox_xywh": [0, 0, 10, 10], "text": src,
                           "translations": {"en": en, "zh": "中文"}} for src, en in regions]}
    (folder / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    _page(tmp_path, "page_a", [("ただ空気いれた風船", "just air balloons"),
                               ("むぐっ", "mm hmm"),
                               ("あっ", "ah!"), ("安かったので...", "since it's cheap ...")])
    _page(tmp_path, "page_b", [("こいつ絶対バカだし", "she's definitely stupid")])
    (tmp_path / "notes.json").write_text('{"regions": [{"text": "x"}]}', "utf-8")
    return tmp_path


async def _ask(folder: Path, texts: tuple[str, ...], target: str = "en") -> list[str]:
    translator = create_translator(TranslatorSettings(name="groundtruth", url=str(folder)))
    try:
        return await translator.translate(TranslationRequest(texts, "ja", target))
    finally:
        await translator.aclose()


async def test_blocks_get_the_translation_of_the_region_they_read(truth: Path) -> None:
    # OCR errors (a wrong kana, missing punctuation) still match.
    got = await _ask(truth, ("ただ空気いれた風舟", "むぐっ!", "ゴゴゴ"))
    assert got == ["just air balloons", "mm hmm", "ゴゴゴ"]  # unannotated: kept as drawn


async def test_one_block_holding_two_regions_gets_both_in_order(truth: Path) -> None:
    got = await _ask(truth, ("あっ 安かったので…", "むぐっ"))
    assert got == ["ah! since it's cheap ...", "mm hmm"]


async def test_the_page_is_the_annotated_page_that_matches(truth: Path) -> None:
    assert await _ask(truth, ("こいつ絶対バカだし",)) == ["she's definitely stupid"]
    assert await _ask(truth, ("むぐっ",), "zh") == ["中文"]


async def test_missing_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(TranslatorNotConfigured, match="--translator-url"):
        await _ask(tmp_path / "nowhere", ("x",))
