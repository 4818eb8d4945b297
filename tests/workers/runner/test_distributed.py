"""The server's side of the distributed pipeline under faults: an event that cannot be handled,
a store that is full or not writable, a Redis that lost its data or is not there yet. The
workers are played by the test: it moves messages through the transport itself."""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from redis.asyncio import Redis

from tests.workers.runner.rig import HANG, until
from tests.workers.transport.redisproc import RedisProc
from workers.config import Settings
from workers.errors import ItpError, QueueFull
from workers.pipeline import distributed, serialize
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.pipeline.distributed import DistributedPipeline
from workers.transport.base import Event
from workers.transport.blobs import MemoryBlobs
from workers.transport.memory import MemoryTransport
from workers.types import PageResult

SETTINGS = Settings()


class Unreachable(ConnectionError):
    """Stands for a transport outage."""


class FlakyTransport(MemoryTransport):
    transient: tuple[type[Exception], ...] = (Unreachable,)


class FlakyBlobs(MemoryBlobs):
    """Fails on chosen images: `get` for good (`unreadable`), `get` the next n times
    (`outage`), `free` while `down` holds them, `put` with a given error."""

    def __init__(self) -> None:
        super().__init__()
        self.unreadable: set[str] = set()
        self.outage: dict[str, int] = {}
        self.down: set[str] = set()
        self.put_error: Exception | None = None

    async def put(self, image_id: str, name: str, data: bytes) -> str:
        if self.put_error is not None:
            raise self.put_error
        return await super().put(image_id, name, data)

    async def get(self, ref: str) -> bytes:
        image = ref.removeprefix("mem:").split("/", 1)[0]
        if image in self.unreadable:
            raise PermissionError(errno.EACCES, "Permission denied", ref)
        if self.outage.get(image, 0) > 0:
            self.outage[image] -= 1
            raise Unreachable("the blob store is unreachable")
        return await super().get(ref)

    async def free(self, image_id: str) -> None:
        if image_id in self.down:
            raise Unreachable("the blob store is unreachable")
        await super().free(image_id)


@dataclass
class Side:
    pipeline: DistributedPipeline
    transport: FlakyTransport
    blobs: FlakyBlobs
    events: asyncio.Queue[PipelineEvent]

    def submit(self, *images: str) -> None:
        for i, image in enumerate(images):
            self.pipeline.submit(ImageTask(image, "job", b"encoded " + image.encode(),
                                           SETTINGS.job, i))

    async def finish_all(self, *images: str) -> None:
        """What the render workers would do: the result, then `done`, for every image at
        once (so the server reads them in one batch)."""
        await until(lambda: self.pipeline.backlog() == len(images)
                    and not self.pipeline._opening)
        taken = await self.transport.consume(["ocr"], "w", len(images), 0.1)
        assert sorted(d.message.image_id for d in taken) == sorted(images)
        for d in taken:
            result = PageResult(np.zeros((4, 4, 3), np.uint8), 4, 4, "en", "en", [])
            ref = await self.blobs.put(d.message.image_id, "result",
                                       serialize.dump_result(result))
            await self.transport.finish(Event("done", d.message.image_id, "job", result=ref),
                                        d)

    async def outcomes(self, count: int) -> dict[str, str]:
        """image -> `done` or the error code, for the next `count` finished images."""
        out: dict[str, str] = {}
        async with asyncio.timeout(HANG):
            while len(out) < count:
                event = await self.events.get()
                if event.kind == "done":
                    out[event.image_id] = "done"
                elif event.kind == "error":
                    assert event.error is not None
                    out[event.image_id] = event.error.code
        return out


@pytest.fixture
async def side(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Side]:
    # A transport outage outlasts the server's patience at once.
    monkeypatch.setattr(distributed, "RETRY_S", 0.05)
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    transport, blobs = FlakyTransport(), FlakyBlobs()
    pipeline = DistributedPipeline(SETTINGS, events.put_nowait, transport, blobs)
    await pipeline.start()
    yield Side(pipeline, transport, blobs, events)
    await pipeline.stop()


async def test_an_unreadable_result_fails_alone(side: Side) -> None:
    side.submit("a", "b", "c")
    side.blobs.unreadable.add("b")
    await side.finish_all("a", "b", "c")
    assert await side.outcomes(3) == {"a": "done", "b": "internal", "c": "done"}
    assert side.pipeline.backlog() == 0 and side.pipeline.ready


async def test_an_outage_in_the_middle_of_a_batch_loses_none_of_it(side: Side) -> None:
    side.submit("a", "b", "c")
    side.blobs.outage["b"] = 2
    await side.finish_all("a", "b", "c")
    assert await side.outcomes(3) == {"a": "done", "b": "done", "c": "done"}
    assert side.blobs.outage["b"] == 0


async def test_blobs_that_cannot_be_freed_yet_hold_nothing_up(side: Side) -> None:
    side.submit("a", "b", "c")
    side.blobs.down.add("b")
    await side.finish_all("a", "b", "c")
    assert await side.outcomes(3) == {"a": "done", "b": "done", "c": "done"}
    # b's blobs are freed once the store answers again.
    assert len(side.blobs) > 0
    side.blobs.down.clear()
    await until(lambda: len(side.blobs) == 0)


async def test_the_event_loop_outlives_an_unforeseen_error(side: Side) -> None:
    surprised: list[str] = []
    forward = side.pipeline._on_event

    def handler(event: PipelineEvent) -> None:
        if event.kind == "done" and not surprised:
            surprised.append(event.image_id)
            raise RuntimeError("a bug in whoever listens")
        forward(event)

    side.pipeline._on_event = handler
    side.submit("a", "b")
    await side.finish_all("a", "b")
    outcomes = await side.outcomes(2)
    assert outcomes[surprised[0]] == "internal"
    assert [v for k, v in outcomes.items() if k != surprised[0]] == ["done"]
    side.submit("c")
    await side.finish_all("c")
    assert await side.outcomes(1) == {"c": "done"}


@pytest.mark.parametrize("error, code", [
    (QueueFull("the blob store is full"), "queue_full"),
    (OSError(errno.ENOSPC, "No space left on device"), "queue_full"),
    (PermissionError(errno.EACCES, "Permission denied"), "internal"),
])
async def test_a_store_that_cannot_take_the_image_fails_it(side: Side, error: Exception,
                                                           code: str) -> None:
    side.blobs.put_error = error
    side.submit("a")
    assert await side.outcomes(1) == {"a": code}
    assert side.pipeline.backlog() == 0
    side.blobs.put_error = None
    side.submit("b")
    await side.finish_all("b")
    assert await side.outcomes(1) == {"b": "done"}


@pytest.mark.redis
async def test_images_lost_with_redis_data_fail_and_free_the_backlog(tmp_path: Path) -> None:
    from workers.pipeline.redis import RedisPipeline

    server = RedisProc(tmp_path / "redis")
    server.start()
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(SETTINGS, events.put_nowait, server.url)
    try:
        await pipeline.start()
        for i, image in enumerate(("a", "b")):
            pipeline.submit(ImageTask(image, "job", b"bytes", SETTINGS.job, i))
        client = pipeline.shared.client
        await until(lambda: _opened(client, 2))
        await client.flushall()  # Redis restarted without its append-only file
        lost: dict[str, ItpError | None] = {}
        async with asyncio.timeout(HANG):
            while len(lost) < 2:
                event = await events.get()
                if event.kind == "error":
                    lost[event.image_id] = event.error
        assert set(lost) == {"a", "b"}
        assert all(e is not None and e.code == "internal" and e.retryable
                   for e in lost.values())
        assert pipeline.backlog() == 0
        # The queues are back: the next image is taken in.
        pipeline.submit(ImageTask("c", "job", b"bytes", SETTINGS.job, 2))
        await until(lambda: _opened(client, 1))
    finally:
        await pipeline.stop()
        server.close()


async def _opened(client: Redis, count: int) -> bool:
    return int(await client.xlen("itp:q:ocr")) == count


@pytest.mark.redis
async def test_a_server_started_before_redis_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from workers.pipeline.redis import RedisPipeline

    monkeypatch.setattr(distributed, "RETRY_S", 0.2)
    server = RedisProc(tmp_path / "redis", appendonly="no")
    pipeline = RedisPipeline(SETTINGS, lambda event: None, server.url)
    starting = asyncio.create_task(pipeline.start())
    try:
        # Redis stays away for longer than any single retry window.
        await asyncio.sleep(1.0)
        assert not starting.done() and not pipeline.ready
        server.start()
        with caplog.at_level(logging.WARNING):
            await asyncio.wait_for(starting, HANG)
        assert pipeline.ready
        # Started on a Redis that would lose everything on a restart: said so.
        assert any("appendonly" in r.getMessage() for r in caplog.records)
    finally:
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await pipeline.stop()
        server.close()
