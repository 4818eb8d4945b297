"""A distributed itp for a test: a private redis-server, stage workers as separate OS
processes (`python -m backend.cli worker STAGE --redis URL`), the server-side pipeline in the
test's own process."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from tests.drawing import encode, load_font
from tests.workers.transport.redisproc import RedisProc
from workers.config import Settings, TranslatorSettings
from workers.pipeline.api import PipelineEvent

REPO = Path(__file__).resolve().parents[3]
SETTINGS = Settings.build(download=False,
                          translator=TranslatorSettings(name="deterministic", latency_s=0.0),
                    inpainter="opencv", threads=1)
WORDS = ("HELLO", "GOOD", "MORNING", "NIGHT", "RIVER", "STONE", "QUIET", "BRAVE", "LIGHT",
         "STORM")


def small_page(i: int, *, marker: bool = False, padding: int = 0) -> bytes:
    """A 320x240 page with two lines of text over a textured background (so its blocks go
    through the inpainter, not the flat fill); `marker` paints the top-left pixel magenta
    (what the poison worker chokes on); `padding` adds a private PNG chunk of that many bytes
    (a file heavy for its pixels, as with embedded metadata; decoders skip it)."""
    width, height = 320, 240
    x = np.linspace(140, 255, width)[None, :]
    ripple = np.linspace(0, 40, height)[:, None] * np.sin(np.arange(width) / 3.0)[None, :]
    gray = np.clip(x + ripple, 0, 255).astype(np.uint8)
    canvas = Image.fromarray(np.repeat(gray[:, :, None], 3, axis=2))
    draw = ImageDraw.Draw(canvas)
    font = load_font(28)
    words = f"{WORDS[i % len(WORDS)]} {WORDS[(i // len(WORDS) + 3) % len(WORDS)]} {i}"
    draw.text((20, 60), words, fill=(0, 0, 0), font=font)
    draw.text((20, 120), "SECOND LINE", fill=(0, 0, 0), font=font)
    image = np.asarray(canvas, dtype=np.uint8).copy()
    if marker:
        image[0, 0] = (255, 0, 255)
    png = encode(image)
    if not padding:
        return png
    body = b"itPd" + bytes(np.random.default_rng(i).integers(0, 256, padding, np.uint8))
    chunk = struct.pack(">I", padding) + body + struct.pack(">I", zlib.crc32(body))
    return png[:-12] + chunk + png[-12:]  # before IEND


@dataclass
class Worker:
    stages: tuple[str, ...]
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def ready(self) -> bool:
        return "itp worker: ready" in self.log.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@dataclass
class Cluster:
    root: Path
    claim_idle_s: float = 2.0
    max_deliveries: int = 3
    blobs: str = "auto"
    # redis-server settings (see RedisProc); `start_redis=False` leaves it to the test.
    redis_options: dict[str, str] = field(default_factory=dict)
    start_redis: bool = True
    redis: RedisProc = field(init=False)
    workers: list[Worker] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.redis = RedisProc(self.root / "redis", **self.redis_options)
        if self.start_redis:
            self.redis.start()

    def start(self, stages: Sequence[str], name: str, *, module: str = "backend.cli") -> Worker:
        log = self.root / f"worker-{name}.log"
        args = [sys.executable, "-m", module, "-v", "worker", *stages, "--redis",
                self.redis.url, "--name", name, "--inpainter", "opencv", "--threads", "1",
                "--ocr-engines", "1",
                "--claim-idle", str(self.claim_idle_s), "--max-deliveries",
                str(self.max_deliveries), "--blobs", self.blobs, "--grace", "5"]
        env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
        with log.open("wb") as out:
            proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        worker = Worker(tuple(stages), name, proc, log)
        self.workers.append(worker)
        return worker

    async def wait_ready(self, workers: Sequence[Worker], timeout: float = 90) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not all(w.ready() for w in workers):
            for w in workers:
                if w.proc.poll() is not None:
                    raise AssertionError(f"worker {w.name} exited:\n{w.log.read_text()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("workers not ready in time")
            await asyncio.sleep(0.1)

    def stop(self) -> list[int | None]:
        """SIGTERM every live worker (graceful shutdown); their exit codes."""
        live = [w for w in self.workers if w.proc.poll() is None]
        for w in live:
            w.proc.send_signal(signal.SIGTERM)
        codes: list[int | None] = []
        for w in live:
            try:
                codes.append(w.proc.wait(20))
            except subprocess.TimeoutExpired:
                w.kill()
                codes.append(None)
        return codes

    def close(self) -> None:
        for w in self.workers:
            w.kill()
        self.redis.close()

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log.read_text(errors='replace')[-3000:]}"
                         for w in self.workers)


async def collect(events: asyncio.Queue[PipelineEvent], count: int,
                  timeout: float) -> list[PipelineEvent]:
    """Events until `count` images have finished (done or error)."""
    seen: list[PipelineEvent] = []
    finished = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while finished < count:
        event = await asyncio.wait_for(events.get(), max(0.1, deadline - loop.time()))
        seen.append(event)
        finished += event.kind in ("done", "error")
    return seen


async def pending_of(client: Any, streams: Sequence[str], group: str, consumer: str) -> int:
    total = 0
    for stream in streams:
        summary = await client.xpending(stream, group)
        for entry in summary.get("consumers") or []:
            if _text(entry["name"]) == consumer:
                total += int(entry["pending"])
    return total


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
