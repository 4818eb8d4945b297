"""`itp bench`: the pipeline on the chapters users read (`--workload`), with a deterministic
translator, against the naive baseline measured in the same run (see README,
"Performance").

Each measurement runs in a process of its own (`backend.bench.child`), so its peak memory and
warm caches are its own. `--json` prints one object keyed by workload name, each value
holding the keys DESIGN.md names (`images`, `wall_s`, `s_per_image`, `first_result_s`,
`peak_rss_mb`, `stages`, `baseline`, `speedup`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from backend.bench.report import compare, median_run, table
from backend.bench.workload import CUSTOM, SAMPLES, WORKLOADS, parse_names
from workers.config import MachineSettings, Settings, TranslatorSettings
from workers.pipeline import codec


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure speed and memory on the chapters users read")
    p.add_argument("--workload", action="append", metavar="NAME",
                   help=f"{', '.join(WORKLOADS)} (default en-webtoon); repeatable, or a "
                   "comma list")
    p.add_argument("--images", nargs="+", metavar="PATH", help="images or folders instead of "
                   "a workload")
    p.add_argument("--samples", type=Path, metavar="DIR", help="where the workloads' sample "
                   f"images are (default {SAMPLES})")
    p.add_argument("--n", type=int, help="only the first N images of each workload (default: "
                   "all)")
    p.add_argument("--runs", type=int, default=1, help="repeat our run and report medians")
    p.add_argument("--baseline-runs", type=int, default=1, help="repeat the baseline (slow: "
                   "minutes per run with LaMa)")
    p.add_argument("--latency", type=float, default=0.3, help="translator latency per "
                   "request in seconds (0.3)")
    p.add_argument("--baseline", choices=("naive",), default="naive")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    p.add_argument("--lama-random-weights", action="store_true", help="LaMa of the real "
                   "architecture with random weights (the default when no LaMa weights are "
                   "here: the compute is the same)")
    p.add_argument("--no-page-order", action="store_true", help="let every stage's threads "
                   "run at once, shared evenly by the OS, instead of handing the cores to the "
                   "earliest page first (what that order buys)")
    p.add_argument("--redis", metavar="URL", help="also run the images through one "
                   "`itp worker` process per stage on this Redis (distributed mode)")
    p.add_argument("--json", action="store_true", help="print one JSON object keyed by "
                   "workload")
    return p


def random_lama(machine: MachineSettings, asked: bool) -> bool:
    """Whether LaMa runs with random weights: when asked, or when LaMa would run (`auto` or
    `lama`) and no weights file is here. A benchmark measures the model's compute, which
    does not depend on its weights; it should not download 200 MB for that."""
    if asked:
        return True
    if machine.inpainter not in ("auto", "lama") or machine.lama_weights is not None:
        return False
    from workers.inpaint.lama import MODEL_NAME
    from workers.models.download import cached_path
    from workers.models.manifest import get_entry

    return not cached_path(get_entry(MODEL_NAME), machine.cache_dir).is_file()


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    label = f"{spec['workload']} {spec['mode']}"
    print(f"itp bench: running {label}...", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, "-m", "backend.bench.child"],
                          input=json.dumps(spec), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"itp bench: the {label} run failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"itp bench: {label}: {result['wall_s']} s wall", file=sys.stderr, flush=True)
    return result


def base_spec(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    # The machine's settings travel whole, by the codec that walks their type, so none is
    # dropped on the way; its translator credentials stay here (the bench's translator is
    # the built-in deterministic one).
    machine = settings.machine.with_(
        lama_random_weights=random_lama(settings.machine, args.lama_random_weights),
        credentials=TranslatorSettings())
    return {
        "images": args.images, "n": args.n, "latency_s": args.latency,
        "samples": str(args.samples) if args.samples else None,
        "machine": codec.to_json(machine, MachineSettings),
        "source": settings.job.source, "target": settings.job.target,
        "page_order": not args.no_page_order,
    }


def measure(args: argparse.Namespace, spec: dict[str, Any]) -> dict[str, Any]:
    """One workload: our runs, the baseline's, and the Redis run when asked."""
    ours = median_run([_child({**spec, "mode": "ours"}) for _ in range(max(1, args.runs))])
    name = spec["workload"]
    about = WORKLOADS[name].describe if name in WORKLOADS else "the images given"
    result: dict[str, Any] = {"workload": name, "describe": about, **ours}
    if not args.no_baseline:
        base = median_run([_child({**spec, "mode": args.baseline})
                           for _ in range(max(1, args.baseline_runs))])
        result["baseline"] = base
        result.update(compare(ours, base))
    if args.redis:
        dist = _child({**spec, "mode": "redis", "redis": args.redis})
        result["redis"] = dist
        result["redis_vs_embedded"] = round(ours["wall_s"] / dist["wall_s"], 2)
    return result


def run(args: argparse.Namespace, settings: Settings) -> int:
    names = [CUSTOM] if args.images else parse_names(args.workload)
    spec = base_spec(args, settings)
    results = {name: measure(args, {**spec, "workload": name}) for name in names}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print("\n\n".join(table(r) for r in results.values()))
    return 0 if not any(r["errors"] for r in results.values()) else 1
