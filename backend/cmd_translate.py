"""`itp translate INPUT... -o OUTDIR`: the pipeline over files, folders and URLs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from backend.inputs import Input, collect, read_bytes
from workers.config import JobSettings, Settings
from workers.errors import ItpError
from workers.imageio import EXTENSIONS, encode_image, sniff_format
from workers.pipeline.api import EventCallback, ImageTask, Pipeline, PipelineEvent
from workers.types import PageResult

# Images read and in the pipeline at once: enough to keep every stage busy, few enough that
# a folder of a thousand pages does not sit in memory.
WINDOW = 6


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "translate", help="translate image files, folders or URLs into OUTDIR")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--out", required=True, type=Path, metavar="OUTDIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--redis", metavar="URL", help="hand the work to stage workers "
                   "(`itp worker all --redis URL`) instead of running it in this process")
    p.add_argument("--namespace", default="itp", help="Redis key prefix shared with the "
                   "workers (default itp)")
    return p


def make_pipeline(settings: Settings, on_event: EventCallback,
                  redis: str | None = None, namespace: str = "itp") -> Pipeline:
    """The embedded pipeline, with its models checked before any work (the translator and
    a font for the target: the message names the setting to change); or the distributed
    one, whose workers check their own."""
    if redis:
        from workers.pipeline.redis import RedisPipeline

        return RedisPipeline(settings, on_event, redis, namespace=namespace)
    from workers.pipeline.embedded import EmbeddedPipeline

    embedded = EmbeddedPipeline(settings.machine, on_event)
    embedded.models.translator(settings.job)
    embedded.models.check_font(settings.job)
    return embedded


def sidecar(result: PageResult, job: JobSettings) -> dict[str, Any]:
    return {
        "width": result.width,
        "height": result.height,
        "source": result.source,
        "target": result.target,
        "translator": job.translator.name,
        "blocks": [{
            "bbox": list(b.bbox), "direction": b.direction, "kind": b.kind,
            "source_text": b.source_text, "translation": b.translation,
            "font_size": b.font_size, "fg": list(b.fg), "erase": b.erase,
            "outline": list(b.outline) if b.outline else None, "overflow": b.overflow,
            "too_small": b.too_small,
            "bubble": [list(p) for p in b.bubble] if b.bubble is not None else None,
            "lines": [{"text": ln.text, "bbox": list(ln.bbox)} for ln in b.lines],
        } for b in result.blocks],
        "models": dict(result.used),
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
    }


def write_outputs(out_dir: Path, item: Input, data: bytes, result: PageResult,
                  job: JobSettings) -> Path:
    fmt = sniff_format(data) or "PNG"
    suffix = item.suffix if item.suffix else EXTENSIONS.get(fmt, ".png")
    target = out_dir / f"{item.stem}{suffix}"
    tmp = target.with_name(f".{target.name}.part")
    # Write the real format of the input (some ".jpg" files are PNG data).
    tmp.write_bytes(encode_image(result.image, fmt))
    tmp.replace(target)
    meta = out_dir / f"{item.stem}.json"
    meta.write_text(json.dumps(sidecar(result, job), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return target


async def translate_all(items: list[Input], out_dir: Path, settings: Settings,
                        progress: bool, redis: str | None = None,
                        namespace: str = "itp") -> list[str]:
    """Runs every input through one pipeline; returns one error line per failed input."""
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    job, machine = settings.job, settings.machine
    pipeline = make_pipeline(settings, events.put_nowait, redis, namespace)
    failures: list[str] = []
    bar = tqdm(total=len(items), unit="img", disable=not progress, file=sys.stderr)
    await pipeline.start()
    try:
        pending: dict[str, tuple[Input, bytes]] = {}
        queue = list(enumerate(items))
        loop = asyncio.get_running_loop()
        while queue or pending:
            while queue and len(pending) < WINDOW:
                index, item = queue.pop(0)
                try:
                    data = await loop.run_in_executor(
                        None, read_bytes, item, machine.limits, None)
                except (ItpError, OSError) as exc:
                    failures.append(_line(item, exc))
                    bar.update(1)
                    continue
                image_id = str(index)
                pending[image_id] = (item, data)
                pipeline.submit(ImageTask(image_id, "cli", data, job, index, item.stem))
            if not pending:
                continue
            event = await events.get()
            if event.kind not in ("done", "error") or event.image_id not in pending:
                continue
            item, data = pending.pop(event.image_id)
            if event.kind == "done" and event.result is not None:
                try:
                    await loop.run_in_executor(None, write_outputs, out_dir, item, data,
                                               event.result, job)
                except OSError as exc:
                    failures.append(_line(item, exc))
            elif event.error is not None:
                failures.append(_line(item, event.error))
            bar.update(1)
    finally:
        bar.close()
        await pipeline.stop()
    return failures


def _line(item: Input, exc: BaseException) -> str:
    reason = exc.one_line() if isinstance(exc, ItpError) else f"io_error: {exc}"
    return f"{item.source}: {reason}"


def run(args: argparse.Namespace, settings: Settings) -> int:
    items, problems = collect(args.inputs)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress and sys.stderr.isatty()
    failures = list(problems)
    if items:
        try:
            failures += asyncio.run(translate_all(items, out_dir, settings, progress,
                                                  getattr(args, "redis", None),
                                                  getattr(args, "namespace", "itp")))
        except ItpError as exc:
            print(f"itp: {exc.one_line()}", file=sys.stderr)
            return 2
    for line in failures:
        print(line, file=sys.stderr)
    written = len(items) - sum(1 for f in failures if f not in problems)
    print(f"{written} of {len(items)} images written to {out_dir}", file=sys.stderr)
    return 0 if not failures else 1
