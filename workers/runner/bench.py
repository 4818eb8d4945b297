"""`itp bench --redis URL`: the same images through the distributed pipeline, one worker
process per stage (`itp worker STAGE --redis URL`), the server side in this process.

Keys live under a namespace of their own (`itp-bench-<random>`) and are deleted afterwards,
so a bench never touches a deployment sharing the Redis server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workers.config import MachineSettings, Settings
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.transport.base import STAGE_NAMES

if TYPE_CHECKING:
    from workers.transport.shared import SharedBlobs

READY_TIMEOUT_S = 180.0
RUN_TIMEOUT_S = 3600.0


def worker_args(stage: str, settings: MachineSettings, redis_url: str,
                namespace: str) -> list[str]:
    """The `itp worker` command line carrying this machine's settings."""
    args = [sys.executable, "-m", "backend.cli", "worker", stage, "--redis", redis_url,
            "--namespace", namespace, "--inpainter", settings.inpainter, "--device",
            settings.device, "--precision", settings.precision, "--analyser",
            settings.analyser, "--korean-ocr", settings.korean, "--lama-runtime",
            settings.lama_runtime, "--det-runtime", settings.det_runtime]
    if not settings.download:
        args.append("--offline")
    if settings.threads > 0:
        args += ["--threads", str(settings.threads)]
    if settings.ocr_engines > 0:
        args += ["--ocr-engines", str(settings.ocr_engines)]
    if settings.lama_weights is not None:
        args += ["--lama-weights", str(settings.lama_weights)]
    if settings.lama_random_weights:
        args.append("--lama-random-weights")
    if settings.font is not None:
        args += ["--font", str(settings.font)]
    if settings.cache_dir is not None:
        args += ["--cache-dir", str(settings.cache_dir)]
    return args


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (Linux); 0 where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s(pid: int) -> float:
    """User and system CPU seconds the process has used (Linux); 0 where /proc does not
    say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # Fields 14 and 15 of stat(5) (utime, stime), counted after the ")" closing the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _wait_ready(procs: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        ready = [s for s in procs if "itp worker: ready" in (logs / f"{s}.log").read_text(
            errors="replace")]
        if len(ready) == len(procs):
            return
        for stage, proc in procs.items():
            if proc.poll() is not None:
                tail = (logs / f"{stage}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the {stage} worker exited:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start in time")
        await asyncio.sleep(0.1)


async def run_redis_bench(images: list[tuple[str, bytes]], settings: Settings,
                          redis_url: str) -> dict[str, Any]:
    """Run `images` through one worker process per stage; returns the bench's numbers
    (`images`, `wall_s`, `s_per_image`, `first_result_s`, `peak_rss_mb` and `cpu_s` (this
    process plus every worker), `startup_s`, `stages` (busy seconds summed over the
    workers), `errors`)."""
    from workers.pipeline.redis import RedisPipeline

    namespace = f"itp-bench-{uuid.uuid4().hex[:8]}"
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(settings, events.put_nowait, redis_url, namespace=namespace)
    logs = Path(tempfile.mkdtemp(prefix="itp-bench-"))
    procs: dict[str, subprocess.Popen[bytes]] = {}
    t0 = time.perf_counter()
    try:
        for stage in STAGE_NAMES:
            with (logs / f"{stage}.log").open("wb") as out:
                procs[stage] = subprocess.Popen(
                    worker_args(stage, settings.machine, redis_url, namespace), stdout=out,
                    stderr=subprocess.STDOUT)
        await pipeline.start()
        await _wait_ready(procs, logs)
        startup = time.perf_counter() - t0
        cpu0 = _own_cpu_s() + sum(_cpu_s(p.pid) for p in procs.values())
        start = time.perf_counter()
        for i, (name, data) in enumerate(images):
            pipeline.submit(ImageTask(f"img{i}", "bench", data, settings.job, i, name))
        done_at: list[float] = []
        errors: list[str] = []
        while len(done_at) + len(errors) < len(images):
            event = await asyncio.wait_for(events.get(), RUN_TIMEOUT_S)
            if event.kind == "done":
                done_at.append(time.perf_counter() - start)
            elif event.kind == "error" and event.error is not None:
                errors.append(f"{event.image_id}: {event.error.one_line()}")
        wall = time.perf_counter() - start
        cpu = _own_cpu_s() + sum(_cpu_s(p.pid) for p in procs.values()) - cpu0
        busy = await pipeline.transport.busy()
        rss = sum(_peak_rss_mb(p.pid) for p in procs.values())
    finally:
        _stop(procs)
        await pipeline.stop()
        await _forget(redis_url, namespace, pipeline.shared)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mode": "redis",
        "images": len(images),
        "wall_s": round(wall, 3),
        "s_per_image": round(wall / max(len(images), 1), 3),
        "first_result_s": round(min(done_at), 3) if done_at else None,
        "peak_rss_mb": round(own + rss, 1),
        "cpu_s": round(cpu, 3),
        "startup_s": round(startup, 3),
        "stages": {k: round(v, 3) for k, v in sorted(busy.items())},
        "utilisation": {k: round(v / wall, 3) for k, v in sorted(busy.items())},
        "workers": {stage: 1 for stage in STAGE_NAMES},
        "errors": errors,
    }


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _forget(redis_url: str, namespace: str, shared: SharedBlobs) -> None:
    """Delete the bench's keys and its shared-memory folder."""
    from workers.transport.redis_streams import RedisTransport, connect

    client = connect(redis_url)
    with contextlib.suppress(*RedisTransport.transient):
        keys = [k async for k in client.scan_iter(f"{namespace}:*")]
        if keys:
            await client.delete(*keys)
    await client.aclose()
    with contextlib.suppress(AssertionError):
        shutil.rmtree(shared.root, ignore_errors=True)
