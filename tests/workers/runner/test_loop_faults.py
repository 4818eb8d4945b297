"""The stage worker under faults: messages handed back between hosts, helper loops that meet
an error they did not foresee, and a Redis that lost its data while the worker ran."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from tests.workers.runner.rig import FAST, HANG, Rig, make_rig, run_until, until
from tests.workers.transport.redisproc import RedisProc
from workers.config import JobSettings
from workers.runner.context import StageContext, Work
from workers.runner.spec import WorkerOptions
from workers.transport.base import Delivery, Event
from workers.transport.blobs import BlobElsewhere
from workers.transport.memory import MemoryTransport


async def test_a_message_handed_back_many_times_is_not_set_aside(rig: Rig) -> None:
    tries: list[int] = []
    finished = asyncio.Event()

    async def elsewhere_for_a_while(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            tries.append(work.delivery.deliveries)
            if len(tries) <= 2 * FAST.max_deliveries:
                raise BlobElsewhere("its input is in the shared memory of another host")
            await ctx.advance(work, [], ())
            finished.set()

    await rig.open("a")
    await run_until(rig.worker(elsewhere_for_a_while), finished, timeout=HANG)
    assert set(tries) == {1}
    assert await rig.transport.dead_letters() == []
    events = await rig.transport.read_events("server", 100, 0.05)
    assert [e.kind for _, e in events if e.kind != "progress"] == []


async def test_a_late_duplicate_frees_nothing_of_a_finished_image(rig: Rig) -> None:
    for queue in ("translate", "preprocess:short"):
        await rig.open(f"img-{queue}", queue=queue)
        (slow,) = await rig.transport.consume([queue], "slow", 1, 0.1)
        # The slow worker's heartbeat was late: another took the message over and finished.
        (fast,) = await rig.transport.reclaim([queue], "fast", 0, 10)
        info = await rig.transport.info(slow.message.image_id)
        assert info is not None
        result = await rig.blobs.put(info.image_id, "result", b"the finished page")
        await rig.ctx.advance(Work(fast, info, JobSettings()), [], ())
        assert await rig.transport.finish(Event("done", info.image_id, "job", result=result))
        # The slow one commits too: the server has not read the result yet, it must stay.
        late = Work(slow, info, JobSettings())
        if queue == "translate":
            await rig.ctx.join(late, (("translations", "T"),), (), ())
        else:
            await rig.ctx.advance(late, [], ())
        assert await rig.blobs.get(result) == b"the finished page"


class SurprisingTransport(MemoryTransport):
    """Its first `reclaim` fails in a way nobody planned for."""

    def __init__(self) -> None:
        super().__init__()
        self.surprised = False

    async def reclaim(self, queues: Sequence[str], consumer: str, min_idle_s: float,
                      count: int) -> list[Delivery]:
        if not self.surprised:
            self.surprised = True
            raise RuntimeError("a reply nobody foresaw")
        return await super().reclaim(queues, consumer, min_idle_s, count)


async def test_the_reaper_outlives_an_unforeseen_error(caplog: pytest.LogCaptureFixture) -> None:
    transport = SurprisingTransport()
    rig = make_rig(transport)
    seen: list[str] = []
    finished = asyncio.Event()

    async def note(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            seen.append(work.image_id)
            await ctx.advance(work, [], ())
            finished.set()

    await rig.open("orphan")
    # Its worker died holding it: only the reaper can give it to anyone.
    await transport.consume(["ocr"], "dead", 1, 0.1)
    try:
        await run_until(rig.worker(note), finished, timeout=HANG)
    finally:
        rig.ctx.close()
    assert transport.surprised and seen == ["orphan"]
    assert any(r.exc_info and "a reply nobody foresaw" in str(r.exc_info[1])
               for r in caplog.records)


@pytest.mark.redis
async def test_reaper_and_heartbeat_outlive_a_redis_that_lost_its_data(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from workers.transport.redis_streams import RedisTransport, connect

    server = RedisProc(tmp_path / "redis")
    server.start()
    transport = RedisTransport(connect(server.url))
    await transport.setup()
    rig = make_rig(transport)
    gate = asyncio.Event()
    seen: list[str] = []
    finished = asyncio.Event()

    async def note(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            seen.append(work.image_id)
            if work.image_id == "first":
                await gate.wait()
            await ctx.advance(work, [], ())
            if work.image_id == "orphan":
                finished.set()

    options = WorkerOptions(claim_idle_s=0.4, max_deliveries=3, grace_s=0.3, concurrency=1)
    stop = asyncio.Event()
    await rig.open("first")
    running = asyncio.create_task(rig.worker(note, options).run(stop))
    try:
        await until(lambda: seen == ["first"])
        await transport.client.flushall()  # Redis restarted without its append-only file

        # The one slot is busy: only the heartbeat and the reaper talk to Redis now. They
        # meet the missing consumer group and must bring the queues back.
        async def groups_back() -> bool:
            try:
                return bool(await transport.client.xinfo_groups("itp:q:ocr"))
            except ResponseError:  # no such key yet
                return False

        with caplog.at_level(logging.ERROR):
            await until(groups_back)
        await rig.open("orphan")
        await transport.consume(["ocr"], "dead", 1, 0.1)
        gate.set()
        async with asyncio.timeout(HANG):
            await finished.wait()
        assert seen == ["first", "orphan"]
        assert any("lost its data" in r.getMessage() for r in caplog.records)
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        rig.ctx.close()
        await transport.close()
        server.close()
