"""A pipeline the tests drive step by step, and test images."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from workers.config import Limits, Settings
from workers.errors import Cancelled, ItpError
from workers.imageio import decode_image, encode_image
from workers.pipeline.api import STAGES, EventCallback, EventKind, ImageTask, PipelineEvent
from workers.types import PageResult


class FakePipeline:
    """Works on one image at a time, in queue order. With `gated`, each image waits for one
    `release()`, so a test decides when work happens (no sleeps, no timing)."""

    def __init__(self, settings: Settings, on_event: EventCallback, *,
                 gated: bool = False) -> None:
        self.settings = settings
        self._on_event = on_event
        self.queue: list[ImageTask] = []
        self.running: ImageTask | None = None
        self.gate: asyncio.Semaphore | None = asyncio.Semaphore(0) if gated else None
        self.prioritize_calls: list[list[str]] = []
        self.prioritized = asyncio.Event()
        self.submitted: list[str] = []
        self.finished: list[str] = []
        self._wake = asyncio.Event()
        self._ready = False
        self._worker: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._run())
        self._ready = True

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._ready = False

    def submit(self, task: ImageTask) -> None:
        self.queue.append(task)
        self.submitted.append(task.image_id)
        self._emit("queued", task, position=len(self.queue))
        self._wake.set()

    def prioritize(self, image_ids: Sequence[str]) -> None:
        self.prioritize_calls.append(list(image_ids))
        front = [t for i in image_ids for t in self.queue if t.image_id == i]
        self.queue = front + [t for t in self.queue if t not in front]
        self.prioritized.set()

    def cancel_job(self, job_id: str) -> int:
        dropped = [t for t in self.queue if t.job_id == job_id]
        self.queue = [t for t in self.queue if t.job_id != job_id]
        for task in dropped:
            self._emit("error", task, error=Cancelled("the job was cancelled"))
        return len(dropped)

    def models_used(self) -> dict[str, str]:
        return {"ocr": "fake"}

    def backlog(self) -> int:
        return len(self.queue) + (self.running is not None)

    def release(self, count: int = 1) -> None:
        assert self.gate is not None
        for _ in range(count):
            self.gate.release()

    async def _run(self) -> None:
        while True:
            while not self.queue:
                self._wake.clear()
                await self._wake.wait()
            if self.gate is not None:
                await self.gate.acquire()
                if not self.queue:
                    self.gate.release()
                    continue
            task = self.queue.pop(0)
            self.running = task
            try:
                await self._work(task)
            finally:
                self.running = None

    async def _work(self, task: ImageTask) -> None:
        for stage in STAGES:
            self._emit("progress", task, stage=stage)
            await asyncio.sleep(0)
        try:
            image = decode_image(task.data, Limits())
        except ItpError as exc:
            self._emit("error", task, error=exc)
            return
        result = PageResult(image=np.ascontiguousarray(255 - image), width=image.shape[1],
                            height=image.shape[0], source="en", target=task.settings.target,
                            blocks=[], timings={s: 0.001 for s in STAGES})
        self.finished.append(task.image_id)
        self._emit("done", task, result=result)

    def _emit(self, kind: EventKind, task: ImageTask, *, stage: str = "", position: int = 0,
              result: PageResult | None = None, error: ItpError | None = None) -> None:
        self._on_event(PipelineEvent(kind=kind, image_id=task.image_id, job_id=task.job_id,
                                     stage=stage, position=position, result=result,
                                     error=error))


def page_png(label: str, size: tuple[int, int] = (360, 200), fmt: str = "PNG") -> bytes:
    """A white page with a few words of black text; `label` makes each page unique."""
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((30, 40), "HELLO THERE", fill=(0, 0, 0), font_size=32)
    draw.text((30, 110), label.upper(), fill=(0, 0, 0), font_size=32)
    arr = np.asarray(img, dtype=np.uint8).copy()
    return encode_image(arr, fmt)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + \
        _chunk(b"IEND", b"")


def truncated_png(label: str) -> bytes:
    data = page_png(label)
    return data[: len(data) // 2]


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        return img.size
