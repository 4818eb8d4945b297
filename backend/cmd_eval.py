"""`itp eval`: run the pipeline over the sample pages and measure the result.

Reports, per image and in total: OCR accuracy against the ground truth (per ground-truth
kind), blocks found vs annotated, how much source text is gone from the output, where and how
the translation was lettered, and time per stage. Writes `OUT/eval.json`, `OUT/index.html`
(the contact sheet) and the outputs under `OUT/pages/`. The translator is the built-in
`deterministic` one unless `--translator` names another.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from backend.evaluate.compare import compare, format_changes
from backend.evaluate.dataset import DatasetError, find_samples, load_samples
from backend.evaluate.report import build_report, summary
from backend.evaluate.runner import evaluate_all
from backend.evaluate.sheet import write_sheet
from workers.config import Settings, TranslatorSettings
from workers.errors import ItpError

REPO = Path(__file__).resolve().parents[1]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "eval", help="measure the pipeline on the sample pages (JSON + HTML contact sheet)")
    p.add_argument("--images", type=Path, metavar="DIR", help="a folder of images, or a "
                   "samples folder with images/, SOURCES.tsv and groundtruth/ "
                   "(default: ../shared/samples next to the repository)")
    p.add_argument("--out", type=Path, default=REPO / "out" / "eval", metavar="DIR",
                   help="where eval.json, index.html and the outputs go (default out/eval)")
    p.add_argument("--compare", type=Path, metavar="PREVIOUS.json",
                   help="print what got better or worse since this earlier eval.json")
    p.add_argument("--tolerance", type=float, default=0.02, help="how far a share may move "
                   "before --compare calls it better or worse (default 0.02)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB",
                   help="only images whose file name matches (repeatable)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N images")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def eval_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """The deterministic translator without latency, unless a translator was named."""
    if getattr(args, "translator", None) in (None, "deterministic"):
        job = settings.job.with_(translator=TranslatorSettings(name="deterministic",
                                                               latency_s=0.0))
        return replace(settings, job=job)
    return settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    previous = None
    if args.compare is not None:
        try:
            previous = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"itp eval: cannot read {args.compare}: {exc}", file=sys.stderr)
            return 2
    try:
        samples = load_samples(args.images, REPO, args.only, args.limit)
        folder, _ = find_samples(args.images, REPO)
    except DatasetError as exc:
        print(f"itp eval: {exc}", file=sys.stderr)
        return 2
    settings = eval_settings(args, settings)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        result = asyncio.run(evaluate_all(samples, out_dir, settings, progress))
    except ItpError as exc:
        print(f"itp eval: {exc.one_line()}", file=sys.stderr)
        return 2
    records = [p.record for p in result.pages]
    report = build_report(records, settings, folder, REPO, result.wall_s,
                          result.inpainter)
    (out_dir / "eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    write_sheet(out_dir / "index.html", report, result.pages)
    print(summary(report))
    print(f"wrote {out_dir / 'eval.json'} and {out_dir / 'index.html'}")
    if previous is not None:
        changes = compare(previous, report, args.tolerance)
        print(format_changes(changes, str(args.compare)))
    return 1 if report["totals"]["failed"] else 0
