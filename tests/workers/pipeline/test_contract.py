"""The `Pipeline` contract, whatever the transport: the embedded pipeline, the distributed
one over the memory transport, and over Redis (stage workers in this process, as tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.drawing import encode, text_page
from tests.workers.transport.redisproc import RedisProc
from workers.config import Settings, TranslatorSettings
from workers.pipeline.api import ImageTask, Pipeline, PipelineEvent
from workers.runner.spec import WorkerOptions
from workers.transport.base import STAGE_NAMES

SETTINGS = Settings.build(download=False,
                          translator=TranslatorSettings(name="deterministic", latency_s=0.0),
                    inpainter="opencv", threads=1, ocr_engines=1)
OPTIONS = WorkerOptions(claim_idle_s=5.0, grace_s=2.0)


def page(words: str) -> bytes:
    return encode(text_page([(words, (40, 60)), ("SECOND LINE", (40, 110))], size=(480, 320)))


@dataclass
class Harness:
    pipeline: Pipeline
    events: asyncio.Queue[PipelineEvent]
    # Starts the stage workers of a harness made with them held back (a no-op otherwise).
    resume: Callable[[], Awaitable[None]] = field(default=lambda: asyncio.sleep(0))

    async def until_finished(self, count: int) -> list[PipelineEvent]:
        seen: list[PipelineEvent] = []
        finished = 0
        while finished < count:
            event = await asyncio.wait_for(self.events.get(), 120)
            seen.append(event)
            finished += event.kind in ("done", "error")
        return seen

    async def ranked(self, image_id: str) -> None:
        """Until the pipeline's queues rank `image_id` first (a distributed pipeline stores
        the order in its ledger a moment after `prioritize` returns)."""
        transport = getattr(self.pipeline, "transport", None)
        if transport is None:
            return
        async with asyncio.timeout(30):
            while (await transport.priorities([image_id]))[0] is None:
                await asyncio.sleep(0.01)


KINDS = ["embedded", "memory", pytest.param("redis", marks=pytest.mark.redis)]


@asynccontextmanager
async def make_harness(kind: str, tmp_path: Path, held: bool = False,
                       ) -> AsyncIterator[Harness]:
    """A pipeline of `kind` with its workers running, or (`held`, distributed kinds)
    started only by `Harness.resume`."""
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    if kind == "embedded":
        from workers.pipeline.embedded import EmbeddedPipeline

        embedded = EmbeddedPipeline(SETTINGS.machine, events.put_nowait)
        await embedded.start()
        yield Harness(embedded, events)
        await embedded.stop()
        return
    stop = asyncio.Event()
    ready = asyncio.Event()
    server: RedisProc | None = None
    serve: Callable[[], Coroutine[Any, Any, Any]]
    if kind == "memory":
        from workers.pipeline.distributed import DistributedPipeline
        from workers.runner.app import serve_stages
        from workers.transport.blobs import MemoryBlobs
        from workers.transport.memory import MemoryTransport

        transport, blobs = MemoryTransport(), MemoryBlobs()
        pipeline: Pipeline = DistributedPipeline(SETTINGS, events.put_nowait, transport, blobs)

        def serve() -> Coroutine[Any, Any, Any]:
            return serve_stages(STAGE_NAMES, SETTINGS.machine, transport, blobs, OPTIONS, stop,
                                ready=ready)
    else:
        from workers.pipeline.redis import RedisPipeline
        from workers.runner.app import run_redis_worker

        server = RedisProc(tmp_path / "redis")
        server.start()
        url = server.url
        pipeline = RedisPipeline(SETTINGS, events.put_nowait, url)

        def serve() -> Coroutine[Any, Any, Any]:
            return run_redis_worker(STAGE_NAMES, SETTINGS.machine, url, OPTIONS, stop,
                                    ready=ready)
    workers: list[asyncio.Task[Any]] = []

    async def resume() -> None:
        if not workers:
            workers.append(asyncio.create_task(serve()))
        await asyncio.wait_for(ready.wait(), 60)

    await pipeline.start()
    if not held:
        await resume()
    try:
        yield Harness(pipeline, events, resume)
    finally:
        stop.set()
        await resume()  # a held harness whose test failed early stops its workers too
        await asyncio.wait_for(workers[0], 30)
        await pipeline.stop()
        if server is not None:
            server.close()


@pytest.fixture(params=KINDS)
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with make_harness(request.param, tmp_path) as made:
        yield made


@pytest.fixture(params=KINDS)
async def held_harness(request: pytest.FixtureRequest, tmp_path: Path,
                       ) -> AsyncIterator[Harness]:
    async with make_harness(request.param, tmp_path, held=True) as made:
        yield made


async def test_pages_translated_and_bad_one_fails_alone(harness: Harness) -> None:
    tasks = [ImageTask("a", "job", page("HELLO THERE"), SETTINGS.job, 0),
             ImageTask("bad", "job", b"<html>nope</html>", SETTINGS.job, 1),
             ImageTask("c", "job", page("GOOD MORNING"), SETTINGS.job, 2)]
    for task in tasks:
        harness.pipeline.submit(task)
    seen = await harness.until_finished(len(tasks))
    done = {e.image_id: e for e in seen if e.kind == "done"}
    errors = {e.image_id: e for e in seen if e.kind == "error"}
    assert set(done) == {"a", "c"} and set(errors) == {"bad"}
    assert errors["bad"].error is not None and errors["bad"].error.code == "bad_image"
    result = done["a"].result
    assert result is not None and result.image.shape == (320, 480, 3)
    assert [b.source_text.upper() for b in result.blocks] == ["HELLO THERE SECOND LINE"]
    block = result.blocks[0]
    assert block.translation and block.font_size > 0 and block.erase == "fill"
    original = text_page([("HELLO THERE", (40, 60)), ("SECOND LINE", (40, 110))],
                         size=(480, 320))
    assert not np.array_equal(result.image, original)
    assert {"decode", "ocr", "process", "translate", "preprocess", "render"} <= set(
        result.timings)
    kinds = [e.kind for e in seen if e.image_id == "a"]
    assert kinds[0] == "queued" and kinds[-1] == "done" and "progress" in kinds
    assert harness.pipeline.backlog() == 0


async def test_prioritized_image_finishes_first(held_harness: Harness) -> None:
    # The workers start once the order is in the queues: an image a worker had already
    # taken when the priority came would rightly finish first, and when that happens is
    # a matter of timing, not of the contract.
    harness = held_harness
    for i in range(5):
        harness.pipeline.submit(ImageTask(f"p{i}", "job", page(f"PAGE NUMBER {i}"), SETTINGS.job,
                                          i))
    harness.pipeline.prioritize(["p4"])
    await harness.ranked("p4")
    await harness.resume()
    order = [e.image_id for e in await harness.until_finished(5) if e.kind == "done"]
    assert order.index("p4") < min(order.index(f"p{i}") for i in (1, 2, 3))


async def test_cancel_drops_queued_work(harness: Harness) -> None:
    for i in range(4):
        harness.pipeline.submit(ImageTask(f"c{i}", "gone", page("CANCEL ME"), SETTINGS.job, i))
    assert harness.pipeline.cancel_job("gone") >= 3
    seen = await harness.until_finished(4)
    codes = [e.error.code if e.error else e.kind for e in seen if e.kind in ("done", "error")]
    assert codes.count("cancelled") >= 3
    assert harness.pipeline.backlog() == 0
    # Nothing more arrives for a cancelled image, whatever the workers were doing.
    await asyncio.sleep(0.5)
    assert all(e.kind == "progress" for e in _drain(harness.events))


async def test_erase_only_leaves_no_text(harness: Harness) -> None:
    settings = SETTINGS.with_(translator=TranslatorSettings(name="none"))
    harness.pipeline.submit(ImageTask("e", "job2", page("ERASE ME"), settings.job, 0))
    seen = await harness.until_finished(1)
    result = seen[-1].result
    assert result is not None
    assert result.image.min() > 200, "the text is gone and nothing was lettered"
    assert result.blocks and all(b.translation == "" for b in result.blocks)


def _drain(queue: asyncio.Queue[PipelineEvent]) -> list[PipelineEvent]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out
