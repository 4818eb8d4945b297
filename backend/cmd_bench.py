"""`itp bench`: the pipeline on a chapter, with a deterministic translator, against the naive
baseline measured in the same run (see README, "Performance")."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from typing import Any

from workers.config import Settings

KEYS = ("wall_s", "s_per_image", "first_result_s", "peak_rss_mb")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure speed and memory on a chapter (default: the sample webtoon)")
    p.add_argument("--images", nargs="+", metavar="PATH", help="images or folders instead of "
                   "the default chapter")
    p.add_argument("--n", type=int, default=23, help="slices of the default chapter (23)")
    p.add_argument("--runs", type=int, default=1, help="repeat our run and report medians")
    p.add_argument("--baseline-runs", type=int, default=1, help="repeat the baseline (slow: "
                   "minutes per run with LaMa)")
    p.add_argument("--latency", type=float, default=0.3, help="translator latency per "
                   "request in seconds (0.3)")
    p.add_argument("--baseline", choices=("naive",), default="naive")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    p.add_argument("--lama-random-weights", action="store_true", help="LaMa of the real "
                   "architecture with random weights (its compute, without the download)")
    p.add_argument("--redis", metavar="URL", help="also run the chapter through one "
                   "`itp worker` process per stage on this Redis (distributed mode)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    print(f"itp bench: running {spec['mode']}...", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, "-m", "backend.bench.child"],
                          input=json.dumps(spec), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"itp bench: the {spec['mode']} run failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"itp bench: {spec['mode']}: {result['wall_s']} s wall", file=sys.stderr, flush=True)
    return result


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, plus the medians of every headline key."""
    ordered = sorted(runs, key=lambda r: float(r["wall_s"]))
    out = dict(ordered[len(ordered) // 2])
    for key in KEYS:
        values = [float(r[key]) for r in runs if r[key] is not None]
        out[key] = round(statistics.median(values), 3) if values else None
    if len(runs) > 1:
        out["runs"] = [{k: r[k] for k in KEYS} for r in runs]
    return out


def run(args: argparse.Namespace, settings: Settings) -> int:
    machine = settings.machine
    spec: dict[str, Any] = {
        "images": args.images, "n": args.n, "latency_s": args.latency,
        "inpainter": machine.inpainter, "lama_random_weights": args.lama_random_weights,
        "lama_weights": str(machine.lama_weights) if machine.lama_weights else None,
        "device": machine.device, "threads": machine.threads,
        "ocr_engines": machine.ocr_engines, "analyser": machine.analyser,
        "korean": machine.korean, "download": machine.download,
        "cache_dir": str(machine.cache_dir) if machine.cache_dir else None,
        "source": settings.job.source, "target": settings.job.target,
    }
    ours = _median([_child({**spec, "mode": "ours"}) for _ in range(max(1, args.runs))])
    result = dict(ours)
    if not args.no_baseline:
        base = _median([_child({**spec, "mode": args.baseline})
                        for _ in range(max(1, args.baseline_runs))])
        result["baseline"] = base
        result["speedup"] = round(base["wall_s"] / ours["wall_s"], 2)
        inpaint_ours = ours["stages"].get("inpaint", 0.0) / ours["images"]
        inpaint_base = base["stages"].get("inpaint", 0.0) / base["images"]
        result["inpaint_s_per_image"] = round(inpaint_ours, 3)
        result["baseline_inpaint_s_per_image"] = round(inpaint_base, 3)
        result["inpaint_speedup"] = round(inpaint_base / inpaint_ours, 2) if inpaint_ours else None
    if args.redis:
        dist = _child({**spec, "mode": "redis", "redis": args.redis})
        result["redis"] = dist
        result["redis_vs_embedded"] = round(ours["wall_s"] / dist["wall_s"], 2)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(table(result))
    return 0 if not ours["errors"] else 1


def table(result: dict[str, Any]) -> str:
    rows = [("", "itp", "naive")]
    base = result.get("baseline", {})
    for key in ("images", *KEYS, "startup_s"):
        rows.append((key, str(result.get(key)), str(base.get(key, "-"))))
    if "redis" in result:
        rows.append(("redis wall_s", str(result["redis"]["wall_s"]), ""))
        rows.append(("redis first_result_s", str(result["redis"]["first_result_s"]), ""))
    stages = sorted(set(result["stages"]) | set(base.get("stages", {})))
    for stage in stages:
        ours = f"{result['stages'].get(stage, 0):.2f}s ({result['utilisation'].get(stage, 0):.0%})"
        b = base.get("stages", {}).get(stage)
        rows.append((f"busy {stage}", ours, f"{b:.2f}s" if b is not None else "-"))
    lines = [f"{a:<22}{b:>20}{c:>14}" for a, b, c in rows]
    if "speedup" in result:
        lines.append(f"speedup x{result['speedup']}  (inpainting x{result['inpaint_speedup']} "
                     f"per image)  inpainter: {result['inpainter']}")
    for err in result.get("errors", []):
        lines.append(f"error: {err}")
    return "\n".join(lines)
