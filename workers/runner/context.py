"""What a stage body works with: its message, the image's settings, blobs, and the commit.

Outputs are named after the stage and a hash of the message's inputs, so a replayed message
(the worker died after writing, before acknowledging) overwrites the same blobs rather than
adding copies, and its successors see the same references either way.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from workers.config import JobSettings, MachineSettings
from workers.pipeline import serialize
from workers.pipeline.models import Models
from workers.transport.base import (
    Delivery,
    Event,
    ImageInfo,
    Message,
    Pairs,
    Step,
    Timings,
    Transport,
    stage_of,
)
from workers.transport.blobs import BlobStore
from workers.transport.retry import patiently

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Work:
    delivery: Delivery
    info: ImageInfo
    job: JobSettings

    @property
    def image_id(self) -> str:
        return self.delivery.message.image_id

    @property
    def job_id(self) -> str:
        return self.delivery.message.job_id

    @property
    def stage(self) -> str:
        return stage_of(self.delivery.queue)

    def ref(self, name: str) -> str:
        return self.delivery.message.ref(name)

    def refs(self, *names: str) -> Pairs:
        return tuple((n, self.ref(n)) for n in names)


def input_hash(message: Message) -> str:
    text = "\n".join(f"{k}={v}" for k, v in sorted(message.refs))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=64)
def job_settings(text: str) -> JobSettings:
    """The job's settings from its ledger record. Only the job's half travels: everything
    of the machine's (device, models, threads, credentials) is this worker's own, and a
    translator key is lent only to the service this worker is configured for."""
    return serialize.load_settings(text)


class StageContext:
    def __init__(self, transport: Transport, blobs: BlobStore, models: Models,
                 machine: MachineSettings, threads: int, retry_s: float) -> None:
        self.transport = transport
        self.blobs = blobs
        self.models = models
        self.machine = machine
        self.retry_s = retry_s
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="itp-stage")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- running -----------------------------------------------------------------------------

    async def run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """A transport call that rides out a Redis restart: retried with backoff while the
        transport is unreachable, up to `retry_s`."""
        return await patiently(fn, self.transport.transient, self.retry_s)

    # -- blobs -------------------------------------------------------------------------------

    async def load(self, work: Work, name: str, parse: Callable[[bytes], T]) -> T:
        ref = work.ref(name)
        data = await self.call(lambda: self.blobs.get(ref))
        return await self.run(lambda: parse(data))

    async def store(self, work: Work, part: str, dump: Callable[[], bytes]) -> str:
        data = await self.run(dump)
        name = f"{work.stage}-{input_hash(work.delivery.message)}-{part}"
        return await self.call(lambda: self.blobs.put(work.image_id, name, data))

    # -- commits -----------------------------------------------------------------------------

    async def advance(self, work: Work, to: list[tuple[str, Pairs]],
                      timings: Timings) -> None:
        message = work.delivery.message
        step = Step(tuple((q, Message(message.image_id, message.job_id, refs))
                          for q, refs in to), timings)
        if not await self.call(lambda: self.transport.ack(work.delivery, step)):
            await self.dropped(work)

    async def join(self, work: Work, halves: Pairs, base: Pairs, timings: Timings) -> None:
        # False only when this call acknowledged the message of an image no longer active;
        # a duplicate half (the image may have finished since) frees nothing.
        joined = self.transport.join
        if not await self.call(lambda: joined(work.delivery, halves, base, timings)):
            await self.dropped(work)

    async def finish(self, work: Work, event: Event, timings: Timings = ()) -> bool:
        return await self.call(lambda: self.transport.finish(event, work.delivery,
                                                             timings=timings))

    async def dropped(self, work: Work) -> None:
        """The image finished (cancelled, failed elsewhere) while this stage ran: what it
        wrote is nobody's, so the image's blobs go now."""
        log.info("image=%s stage=%s outcome=dropped (no longer active)", work.image_id,
                 work.stage)
        await self.call(lambda: self.blobs.free(work.image_id))
