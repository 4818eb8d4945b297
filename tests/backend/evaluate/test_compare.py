from __future__ import annotations

import copy
from typing import Any

from backend.evaluate.compare import compare, format_changes, judge


def report(removal: float, overflow: int, cer: float, ocr_s: float,
           page_removal: float) -> dict[str, Any]:
    return {
        "totals": {
            "failed": 0, "source_detected": 1.0,
            "ocr": {"human_annotation": {"cer": cer}},
            "detection": {"human_annotation": {"precision": 0.8, "recall": 0.7}},
            "removal": {"share": removal},
            "placement": {"share": 0.95, "found_share": 0.9, "overflow": overflow,
                          "low_contrast": 0, "font_ratio_median": 0.7,
                          "contrast_median": 12.0},
            "timings": {"ocr": {"mean": ocr_s}},
        },
        "images": [{"name": "a.jpg", "error": "", "removal": {"share": page_removal},
                    "placement": {"share": 1.0, "overflow": overflow}, "ocr": None,
                    "detection": None}],
    }


def verdicts(changes: list[Any]) -> dict[tuple[str, str], str]:
    return {(c.scope, c.metric): c.verdict for c in changes}


def test_a_worse_metric_is_reported_worse() -> None:
    before = report(removal=0.98, overflow=1, cer=0.10, ocr_s=2.0, page_removal=1.0)
    after = report(removal=0.90, overflow=3, cer=0.05, ocr_s=2.1, page_removal=0.8)
    found = verdicts(compare(before, after, tolerance=0.02))
    assert found[("total", "removal.share")] == "worse"
    assert found[("total", "placement.overflow")] == "worse"
    assert found[("total", "ocr.human_annotation.cer")] == "better"
    assert found[("a.jpg", "removal.share")] == "worse"
    # 5 % slower is within the timing tolerance.
    assert ("total", "timings.ocr.mean") not in found
    text = format_changes(compare(before, after), "before.json")
    assert "worse" in text and "removal.share 0.980 -> 0.900" in text


def test_changes_within_tolerance_are_not_reported() -> None:
    before = report(removal=0.95, overflow=0, cer=0.1, ocr_s=2.0, page_removal=1.0)
    after = copy.deepcopy(before)
    after["totals"]["removal"]["share"] = 0.96
    assert compare(before, after, tolerance=0.02) == []
    assert "nothing changed" in format_changes([], "x")


def test_new_gone_and_failed_images() -> None:
    before = report(removal=0.95, overflow=0, cer=0.1, ocr_s=2.0, page_removal=1.0)
    after = copy.deepcopy(before)
    after["images"][0]["error"] = "bad_image: nope"
    after["images"].append({"name": "b.jpg", "error": ""})
    found = verdicts(compare(before, after))
    assert found[("a.jpg", "failed")] == "worse"
    assert found[("b.jpg", "image")] == "new"
    assert verdicts(compare(after, before))[("b.jpg", "image")] == "gone"


def test_directions() -> None:
    assert judge("timings.ocr.mean", 1.0, 2.0, 0.02) == "worse"
    assert judge("detection.human_annotation.recall", 0.5, 0.6, 0.02) == "better"
    assert judge("placement.font_ratio_median", 0.5, 0.8, 0.02) == "changed"
    assert judge("removal.share", None, None, 0.02) is None
