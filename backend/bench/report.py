"""Folding repeated measurements into one, and the table `itp bench` prints."""

from __future__ import annotations

import statistics
from typing import Any

# The headline figures: medians over runs.
KEYS = ("wall_s", "s_per_image", "first_result_s", "peak_rss_mb", "cpu_s")


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (its stages and models), with the median of every
    headline figure; `runs` lists each run's figures when there were several."""
    ordered = sorted(runs, key=lambda r: float(r["wall_s"]))
    out = dict(ordered[len(ordered) // 2])
    for key in KEYS:
        values = [float(r[key]) for r in runs if r.get(key) is not None]
        out[key] = round(statistics.median(values), 3) if values else None
    if len(runs) > 1:
        out["runs"] = [{k: r.get(k) for k in KEYS} for r in runs]
    return out


def compare(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The speedup over the baseline, overall and for inpainting alone."""
    inpaint_ours = ours["stages"].get("inpaint", 0.0) / max(ours["images"], 1)
    inpaint_base = base["stages"].get("inpaint", 0.0) / max(base["images"], 1)
    return {
        "speedup": round(base["wall_s"] / ours["wall_s"], 2) if ours["wall_s"] else None,
        "inpaint_s_per_image": round(inpaint_ours, 3),
        "baseline_inpaint_s_per_image": round(inpaint_base, 3),
        "inpaint_speedup": round(inpaint_base / inpaint_ours, 2) if inpaint_ours else None,
    }


def table(result: dict[str, Any]) -> str:
    """One workload's figures, ours beside the baseline's, busy seconds per stage."""
    rows = [(result.get("workload", ""), "itp", "naive")]
    base = result.get("baseline", {})
    for key in ("images", *KEYS, "startup_s"):
        rows.append((key, str(result.get(key)), str(base.get(key, "-"))))
    if "redis" in result:
        rows.append(("redis wall_s", str(result["redis"]["wall_s"]), ""))
        rows.append(("redis first_result_s", str(result["redis"]["first_result_s"]), ""))
    stages = sorted(set(result["stages"]) | set(base.get("stages", {})))
    for stage in stages:
        share = result.get("utilisation", {}).get(stage, 0.0)
        ours = f"{result['stages'].get(stage, 0.0):.2f}s ({share:.0%})"
        b = base.get("stages", {}).get(stage)
        rows.append((f"busy {stage}", ours, f"{b:.2f}s" if b is not None else "-"))
    lines = [f"{a:<22}{b:>20}{c:>14}" for a, b, c in rows]
    if result.get("speedup") is not None:
        lines.append(f"speedup x{result['speedup']}  (inpainting x{result['inpaint_speedup']} "
                     f"per image)")
    lines.append(f"models: {result.get('models', {})}")
    for err in result.get("errors", []):
        lines.append(f"error: {err}")
    return "\n".join(lines)
