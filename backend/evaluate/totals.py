"""A run's totals: sums over pages, rates from the sums (every character and line weighs the
same, whichever page it is on), ground-truth figures per ground-truth kind."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from backend.evaluate.erasing import erase_totals
from backend.evaluate.korean import korean_totals
from backend.evaluate.lettering import lettering_totals
from backend.evaluate.page import PageRecord


def rate(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def ocr_totals(records: Sequence[PageRecord]) -> dict[str, dict[str, Any]]:
    by_kind: dict[str, list[PageRecord]] = defaultdict(list)
    for r in records:
        if r.ocr is not None:
            by_kind[r.ocr.kind].append(r)
    out = {}
    for kind, pages in sorted(by_kind.items()):
        regions = [s for p in pages if p.ocr for s in p.ocr.regions]
        chars = sum(s.chars for s in regions)
        edits = sum(s.edits for s in regions)
        out[kind] = {"images": len(pages), "regions": len(regions), "chars": chars,
                     "edits": edits, "cer": rate(edits, chars),
                     "exact": rate(sum(1 for s in regions if s.edits == 0), len(regions)),
                     "unmatched_lines": sum(p.ocr.unmatched_lines for p in pages if p.ocr)}
    return out


def detection_totals(records: Sequence[PageRecord]) -> dict[str, dict[str, Any]]:
    by_kind: dict[str, list[PageRecord]] = defaultdict(list)
    for r in records:
        if r.detection is not None:
            by_kind[r.detection.kind].append(r)
    out = {}
    for kind, pages in sorted(by_kind.items()):
        found = sum(p.detection.found for p in pages if p.detection)
        annotated = sum(p.detection.annotated for p in pages if p.detection)
        matched = sum(p.detection.matched for p in pages if p.detection)
        contain = sum(p.detection.matched_contain for p in pages if p.detection)
        out[kind] = {"images": len(pages), "found": found, "annotated": annotated,
                     "matched": matched, "precision": rate(matched, found),
                     "recall": rate(matched, annotated), "matched_contain": contain,
                     "precision_contain": rate(contain, found),
                     "recall_contain": rate(contain, annotated)}
    return out


def removal_totals(records: Sequence[PageRecord]) -> dict[str, Any]:
    scores = [r.removal for r in records if r.removal is not None]
    chars = sum(s.chars for s in scores)
    left = sum(s.still_read_chars for s in scores)
    return {"images": sum(1 for s in scores if s.share is not None),
            "lines": sum(s.lines for s in scores), "chars": chars,
            "still_read_lines": sum(s.still_read_lines for s in scores),
            "still_read_chars": left,
            "share": round(1 - left / chars, 4) if chars else None,
            "kept_blocks": sum(s.kept_blocks for s in scores)}


def placement_totals(records: Sequence[PageRecord]) -> dict[str, Any]:
    scores = [r.placement for r in records if r.placement is not None]
    blocks = [b for s in scores for b in s.blocks]
    ratios = sorted(b.font_ratio for b in blocks if b.font_ratio is not None)
    contrasts = [b.contrast for b in blocks]
    lines = sum(s.lines for s in scores)
    words = sum(s.words for s in scores)
    return {
        "rendered": sum(s.rendered for s in scores),
        "overflow": sum(s.overflow for s in scores),
        "lines": lines, "inside": sum(s.inside for s in scores),
        "share": rate(sum(s.inside for s in scores), lines),
        "words": words, "found": sum(s.found for s in scores),
        "found_share": rate(sum(s.found for s in scores), words),
        "font_ratio_median": round(statistics.median(ratios), 3) if ratios else None,
        # The small end matters most: a tenth of the blocks are lettered this small or smaller.
        "font_ratio_p10": round(ratios[len(ratios) // 10], 3) if ratios else None,
        "contrast_median": round(statistics.median(contrasts), 2) if contrasts else None,
        "contrast_min": round(min(contrasts), 2) if contrasts else None,
        "low_contrast": sum(s.low_contrast for s in scores),
    }


def timing_totals(records: Sequence[PageRecord]) -> dict[str, dict[str, float]]:
    per_stage: dict[str, list[float]] = defaultdict(list)
    for r in records:
        for stage, seconds in r.timings.items():
            per_stage[stage].append(seconds)
        if not r.error:
            per_stage["eval_ocr"].append(r.eval_s)
    return {stage: {"total": round(sum(v), 3), "mean": round(sum(v) / len(v), 3),
                    "max": round(max(v), 3)}
            for stage, v in sorted(per_stage.items())}


def totals(records: Sequence[PageRecord]) -> dict[str, Any]:
    ok = [r for r in records if not r.error]
    known = [r for r in ok if r.language]
    return {
        "images": len(records),
        "failed": len(records) - len(ok),
        "blocks": sum(len(r.blocks) for r in ok),
        "source_detected": rate(sum(1 for r in known if r.detected_source == r.language),
                                len(known)),
        "ocr": ocr_totals(ok),
        "detection": detection_totals(ok),
        "removal": removal_totals(ok),
        "placement": placement_totals(ok),
        "erasing": erase_totals([r.erasing for r in ok if r.erasing is not None]),
        "lettering": lettering_totals([r.lettering for r in ok if r.lettering is not None]),
        "korean": korean_totals([r.korean for r in ok if r.korean is not None]),
        "timings": timing_totals(records),
    }
