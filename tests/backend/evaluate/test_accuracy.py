from __future__ import annotations

import pytest

from backend.evaluate.accuracy import detection, ocr_accuracy
from backend.evaluate.dataset import GroundTruth, Region
from tests.backend.evaluate.helpers import block, line

TRUTH = GroundTruth("human_annotation", (
    Region((0, 0, 100, 100), "こんにちは"),
    Region((200, 0, 300, 100), "さようなら"),
))


def test_lines_are_scored_against_the_region_they_lie_in() -> None:
    # One block spanning both regions (a grouping mistake) still scores each region's text.
    merged = block(0, [line((10, 10, 90, 40), "こんにち"), line((10, 50, 90, 80), "は"),
                       line((210, 10, 290, 90), "さよなら"), line((500, 500, 550, 520), "SFX")])
    score = ocr_accuracy([merged], TRUTH)
    assert [r.read for r in score.regions] == ["こんにちは", "さよなら"]
    assert [r.edits for r in score.regions] == [0, 1]
    assert score.chars == 10 and score.edits == 1 and score.cer == pytest.approx(0.1)
    assert score.unmatched_lines == 1 and score.kind == "human_annotation"


def test_a_missed_region_counts_every_character() -> None:
    score = ocr_accuracy([block(0, [line((10, 10, 90, 90), "こんにちは")])], TRUTH)
    assert score.cer == pytest.approx(5 / 10)


def test_without_boxes_the_whole_page_is_compared() -> None:
    truth = GroundTruth("model_expected_output", (Region(None, "素直に\nあやまるしか"),))
    blocks = [block(0, [line((0, 0, 20, 90), "素直にあやま", vertical=True)]),
              block(1, [line((30, 0, 50, 90), "るしか", vertical=True)])]
    score = ocr_accuracy(blocks, truth)
    assert score.whole_page and score.cer == 0.0
    assert detection(blocks, truth) is None


def test_detection_matches_blocks_to_regions() -> None:
    blocks = [block(0, [line((0, 0, 95, 100), "a")]), block(1, [line((600, 0, 700, 50), "b")])]
    d = detection(blocks, TRUTH)
    assert d is not None
    assert (d.found, d.annotated, d.matched) == (2, 2, 1)
    assert d.precision == 0.5 and d.recall == 0.5


def test_a_tight_column_in_a_loose_annotation_counts_as_contained() -> None:
    truth = GroundTruth("human_annotation", (Region((0, 0, 100, 200), "数日後"),))
    column = block(0, [line((40, 20, 70, 180), "数日後", vertical=True)])
    d = detection([column], truth)
    assert d is not None
    assert d.matched == 0 and d.recall == 0.0            # IoU 0.24
    assert d.matched_contain == 1 and d.recall_contain == 1.0
