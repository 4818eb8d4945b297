from __future__ import annotations

import pytest

from backend.evaluate.boxes import covered, match_boxes, xywh_to_box
from workers.types import iou


def test_iou_of_known_boxes() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert covered((0, 0, 10, 10), (5, 0, 100, 100)) == pytest.approx(0.5)
    assert xywh_to_box(10, 20, 30, 40) == (10, 20, 40, 60)


def test_precision_and_recall_on_synthetic_boxes() -> None:
    annotated = [(0, 0, 100, 100), (200, 0, 300, 100), (0, 200, 100, 300), (400, 400, 450, 450)]
    found = [
        (5, 5, 100, 100),      # matches region 0 (IoU 0.9)
        (200, 0, 290, 100),    # matches region 1 (IoU 0.9)
        (0, 200, 40, 300),     # overlaps region 2 with IoU 0.4: not a match
        (600, 600, 700, 700),  # nothing there
    ]
    m = match_boxes(found, annotated, 0.5)
    assert (m.found, m.annotated, m.matched) == (4, 4, 2)
    assert m.precision == 0.5 and m.recall == 0.5
    assert [(i, j) for i, j, _ in m.pairs] == [(0, 0), (1, 1)]


def test_each_box_is_matched_once() -> None:
    # Two found boxes on one annotated region: one match, one false positive.
    m = match_boxes([(0, 0, 10, 10), (0, 0, 10, 9)], [(0, 0, 10, 10)])
    assert m.matched == 1 and m.precision == 0.5 and m.recall == 1.0
    assert match_boxes([], []).precision is None
