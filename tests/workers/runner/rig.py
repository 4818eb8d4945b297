"""A stage worker over the memory transport with stand-in stage bodies, for the runtime's
tests."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from workers.config import JobSettings, MachineSettings
from workers.pipeline.models import Models
from workers.pipeline.serialize import dump_settings
from workers.runner.context import StageContext
from workers.runner.handlers import Handler
from workers.runner.loop import StageWorker
from workers.runner.spec import SPECS, StageSpec, WorkerOptions
from workers.transport.base import ImageInfo, Message, Transport
from workers.transport.blobs import MemoryBlobs

FAST = WorkerOptions(claim_idle_s=0.3, max_deliveries=3, grace_s=0.3)
# Generous bound that only stops a hung test; no assertion depends on time.
HANG = 60.0


@dataclass
class Rig:
    transport: Transport
    blobs: MemoryBlobs
    ctx: StageContext

    async def open(self, *images: str, queue: str = "ocr") -> None:
        for image in images:
            await self.transport.open(ImageInfo(image, "job", dump_settings(JobSettings())),
                                      queue, Message(image, "job"))

    def worker(self, handler: Handler, options: WorkerOptions = FAST,
               spec: StageSpec = SPECS["ocr"]) -> StageWorker:
        return StageWorker(spec, handler, self.ctx, options, "me")


def make_rig(transport: Transport) -> Rig:
    blobs = MemoryBlobs()
    ctx = StageContext(transport, blobs, Models(MachineSettings()), MachineSettings(), 2, 5.0)
    return Rig(transport, blobs, ctx)


async def run_until(worker: StageWorker, done: asyncio.Event, timeout: float = 10) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def until(check: Callable[[], bool | Awaitable[bool]]) -> None:
    """Wait for a condition the code under test brings about (bounded by HANG)."""
    async with asyncio.timeout(HANG):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)
