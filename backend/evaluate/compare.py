"""`--compare PREVIOUS.json`: what got better or worse since an earlier run.

Shares (rates between 0 and 1) must move by more than the tolerance to count, counts by any
amount; stage times by more than a quarter (and 50 ms), since they vary from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["higher", "lower", "none"]
Verdict = Literal["better", "worse", "changed", "new", "gone"]

TIME_RELATIVE = 0.25
TIME_ABSOLUTE = 0.05
PAGE_METRICS = ("ocr.cer", "detection.precision", "detection.recall", "removal.share",
                "placement.share", "placement.found_share", "placement.overflow",
                "placement.low_contrast", "korean.cer", "korean.removed")


@dataclass(frozen=True, slots=True)
class Change:
    scope: str  # "total" or the image's name
    metric: str
    before: float | None
    after: float | None
    verdict: Verdict


def direction(metric: str) -> Direction:
    if metric.endswith(("cer", "overflow", "low_contrast", "failed", "mid_word",
                        "spread_median", "too_small")) or metric.startswith("timings."):
        return "lower"
    if metric.endswith("font_ratio_median"):
        return "none"
    return "higher"


def limit(metric: str, before: float, tolerance: float) -> float:
    if metric.startswith("timings."):
        return max(TIME_ABSOLUTE, TIME_RELATIVE * abs(before))
    if metric.endswith(("overflow", "low_contrast", "failed", "mid_word", "too_small")):
        return 0.0
    if metric.endswith("contrast_median"):
        return 0.5
    if metric.endswith("font_ratio_median"):
        return 0.05
    return tolerance


def judge(metric: str, before: float | None, after: float | None,
          tolerance: float) -> Verdict | None:
    if before is None and after is None:
        return None
    if before is None or after is None:
        return "changed"
    delta = after - before
    if abs(delta) <= limit(metric, before, tolerance):
        return None
    way = direction(metric)
    if way == "none":
        return "changed"
    return "better" if (delta > 0) == (way == "higher") else "worse"


def total_metrics(totals: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {"failed": totals.get("failed"),
                                    "source_detected": totals.get("source_detected")}
    for kind, v in totals.get("ocr", {}).items():
        out[f"ocr.{kind}.cer"] = v.get("cer")
    for kind, v in totals.get("detection", {}).items():
        for key in ("precision", "recall", "precision_contain", "recall_contain"):
            out[f"detection.{kind}.{key}"] = v.get(key)
    out["removal.share"] = totals.get("removal", {}).get("share")
    placement = totals.get("placement", {})
    for key in ("share", "found_share", "overflow", "low_contrast", "font_ratio_median",
                "contrast_median"):
        out[f"placement.{key}"] = placement.get(key)
    lettering = totals.get("lettering", {})
    for key in ("inside_share", "mid_word", "spread_median", "too_small", "low_contrast"):
        out[f"lettering.{key}"] = lettering.get(key)
    korean = totals.get("korean", {})
    for key in ("cer", "removed"):
        out[f"korean.{key}"] = korean.get(key)
    for stage, v in totals.get("timings", {}).items():
        out[f"timings.{stage}.mean"] = v.get("mean")
    return out


def page_metrics(page: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for path in PAGE_METRICS:
        part, key = path.split(".")
        section = page.get(part)
        out[path] = section.get(key) if isinstance(section, dict) else None
    return out


def _diff(scope: str, before: dict[str, float | None], after: dict[str, float | None],
          tolerance: float) -> list[Change]:
    changes = []
    for metric in sorted(set(before) | set(after)):
        b, a = before.get(metric), after.get(metric)
        verdict = judge(metric, b, a, tolerance)
        if verdict is not None:
            changes.append(Change(scope, metric, b, a, verdict))
    return changes


def compare(previous: dict[str, Any], current: dict[str, Any],
            tolerance: float = 0.02) -> list[Change]:
    changes = _diff("total", total_metrics(previous["totals"]),
                    total_metrics(current["totals"]), tolerance)
    before = {p["name"]: p for p in previous.get("images", [])}
    after = {p["name"]: p for p in current.get("images", [])}
    for name in sorted(set(before) | set(after)):
        if name not in after:
            changes.append(Change(name, "image", None, None, "gone"))
            continue
        if name not in before:
            changes.append(Change(name, "image", None, None, "new"))
            continue
        failed_b, failed_a = bool(before[name].get("error")), bool(after[name].get("error"))
        if failed_b != failed_a:
            changes.append(Change(name, "failed", float(failed_b), float(failed_a),
                                  "worse" if failed_a else "better"))
            continue
        changes += _diff(name, page_metrics(before[name]), page_metrics(after[name]),
                         tolerance)
    return changes


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if float(value).is_integer() else f"{value:.3f}"


def format_changes(changes: list[Change], previous_label: str) -> str:
    lines = [f"compared with {previous_label}:"]
    order = {"worse": 0, "gone": 1, "better": 2, "new": 3, "changed": 4}
    for c in sorted(changes, key=lambda c: (order[c.verdict], c.scope != "total", c.scope)):
        where = "" if c.scope == "total" else f"{c.scope}: "
        if c.metric == "image":
            lines.append(f"  {c.verdict:<8}{where}(image {c.verdict})")
            continue
        delta = ""
        if c.before is not None and c.after is not None:
            delta = f" ({c.after - c.before:+.3g})"
        lines.append(f"  {c.verdict:<8}{where}{c.metric} {_num(c.before)} -> "
                     f"{_num(c.after)}{delta}")
    counts = {v: sum(1 for c in changes if c.verdict == v) for v in order}
    lines.append("  " + ", ".join(f"{n} {v}" for v, n in counts.items() if n) if changes
                 else "  nothing changed beyond the tolerance")
    return "\n".join(lines)
