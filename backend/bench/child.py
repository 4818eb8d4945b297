"""One benchmark measurement, in a process of its own so that its peak memory and warm
caches are its own. Reads a JSON spec on stdin, prints a JSON result on stdout."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from backend.bench.naive import run_naive
from backend.bench.workload import CUSTOM, SAMPLES, load_images, workload_images
from workers.config import JobSettings, MachineSettings, Settings, TranslatorSettings
from workers.cores import CORES
from workers.pipeline import codec
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.pipeline.embedded import EmbeddedPipeline


def settings_from(spec: dict[str, Any]) -> Settings:
    job = JobSettings(
        source=spec.get("source", "auto"), target=spec.get("target", "en"),
        translator=TranslatorSettings(name="deterministic", latency_s=spec["latency_s"]))
    return Settings(job, codec.from_json(spec["machine"], MachineSettings))


def images_of(spec: dict[str, Any]) -> list[tuple[str, bytes]]:
    if spec["workload"] == CUSTOM:
        return load_images(spec["images"])
    samples = Path(spec["samples"]) if spec.get("samples") else SAMPLES
    return workload_images(spec["workload"], samples, spec.get("n"))


def cpu_seconds() -> float:
    """User and system CPU time of this process so far: on a busy machine a steadier
    figure than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def summary(images: int, wall: float, done_at: list[float], busy: dict[str, float],
            cpu: float) -> dict[str, Any]:
    """The keys every measurement reports (DESIGN.md, "Benchmarks")."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "images": images,
        "wall_s": round(wall, 3),
        "s_per_image": round(wall / max(images, 1), 3),
        "first_result_s": round(min(done_at), 3) if done_at else None,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "cpu_s": round(cpu, 3),
        "stages": {k: round(v, 3) for k, v in sorted(busy.items())},
        "utilisation": {k: round(v / wall, 3) for k, v in sorted(busy.items())},
    }


# Cores handed out when the page order is off: more than any run has threads.
UNORDERED_CORES = 1024


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    if not spec.get("page_order", True):
        CORES.resize(UNORDERED_CORES)
    images = images_of(spec)
    settings = settings_from(spec)
    if spec["mode"] == "redis":
        from workers.runner.bench import run_redis_bench

        return await run_redis_bench(images, settings, spec["redis"])
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = EmbeddedPipeline(settings.machine, events.put_nowait)
    t0 = time.perf_counter()
    await pipeline.start()
    pipeline.models.translator(settings.job)
    startup = time.perf_counter() - t0
    done_at: list[float] = []
    errors: list[str] = []
    busy: dict[str, float]
    # The machine's 1-minute load as the timed part starts: how busy it was besides us.
    load = os.getloadavg()[0]
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    if spec["mode"] == "naive":
        busy = {}
        await run_naive(images, settings.job, pipeline.models,
                        lambda _: done_at.append(time.perf_counter() - start), busy)
    else:
        for i, (name, data) in enumerate(images):
            pipeline.submit(ImageTask(f"img{i}", "bench", data, settings.job, i, name))
        while len(done_at) + len(errors) < len(images):
            event = await events.get()
            if event.kind == "done":
                done_at.append(time.perf_counter() - start)
            elif event.kind == "error" and event.error is not None:
                errors.append(f"{event.image_id}: {event.error.one_line()}")
        busy = dict(pipeline.busy)
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu0
    models = pipeline.models.used()
    await pipeline.stop()
    return {
        "mode": spec["mode"],
        **summary(len(images), wall, done_at, busy, cpu),
        "startup_s": round(startup, 3),
        "page_order": spec.get("page_order", True),
        "load_1m": round(load, 2),
        "inpainter": models.get("inpainter", ""),
        "models": models,
        "errors": errors,
    }


def main() -> None:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(measure(spec))))


if __name__ == "__main__":
    main()
