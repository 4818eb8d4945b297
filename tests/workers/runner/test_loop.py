"""The stage worker's runtime over the memory transport, with stand-in stage bodies: retries
and dead letters, the heartbeat, graceful shutdown, batches that fail."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tests.workers.runner.rig import Rig, run_until
from workers.runner.context import StageContext, Work
from workers.runner.spec import SPECS, WorkerOptions


async def test_crashing_message_is_retried_then_dead_lettered(rig: Rig) -> None:
    attempts: list[int] = []
    finished = asyncio.Event()

    async def handler(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            if work.image_id == "bad":
                attempts.append(work.delivery.deliveries)
                if len(attempts) == 3:
                    # Let the runtime dead-letter it before the test looks.
                    asyncio.get_running_loop().call_later(0.2, finished.set)
                raise RuntimeError("boom")
            await ctx.advance(work, [], ())

    await rig.open("a", "bad", "c")
    await run_until(rig.worker(handler), finished)
    assert attempts == [1, 2, 3]
    (letter,) = await rig.transport.dead_letters()
    assert letter.message.image_id == "bad" and "RuntimeError: boom" in letter.reason
    events = await rig.transport.read_events("server", 100, 0.1)
    errors = [e for _, e in events if e.kind == "error"]
    assert [(e.image_id, e.code) for e in errors] == [("bad", "internal")]
    assert "3 times" in errors[0].message
    assert await rig.transport.backlog() == 2  # a and c moved on (no next stage here)
    assert await rig.transport.consume(["ocr"], "me", 10, 0, own_pending=True) == []


async def test_heartbeat_keeps_a_long_job_from_the_reaper(rig: Rig) -> None:
    finished = asyncio.Event()
    stolen = []

    async def slow(ctx: StageContext, batch: Sequence[Work]) -> None:
        for _ in range(10):
            await asyncio.sleep(0.1)
            stolen.extend(await ctx.transport.reclaim(["ocr"], "thief", 0.3, 10))
        for work in batch:
            await ctx.advance(work, [], ())
        finished.set()

    await rig.open("long")
    await run_until(rig.worker(slow), finished)
    assert stolen == []


async def test_shutdown_finishes_quick_work_and_hands_back_the_rest(rig: Rig) -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def stuck(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            started.append(work.image_id)
            await release.wait()
            await ctx.advance(work, [], ())

    await rig.open("a", "b", "c")
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker(stuck).run(stop))
    while not started:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    # Past the grace period the running one was cancelled; everything held was handed back
    # and another worker takes it over at once.
    taken = await rig.transport.reclaim(["ocr"], "other", 3600, 10)
    assert sorted(d.message.image_id for d in taken) == ["a", "b", "c"]


async def test_a_failing_batch_is_retried_page_by_page(rig: Rig) -> None:
    finished = asyncio.Event()
    calls: list[list[str]] = []

    async def picky(ctx: StageContext, batch: Sequence[Work]) -> None:
        calls.append([w.image_id for w in batch])
        if any(w.image_id == "bad" for w in batch):
            raise RuntimeError("one page in this batch is poison")
        for work in batch:
            await ctx.advance(work, [], ())
        if "good" in calls[-1]:
            finished.set()

    await rig.open("good", "bad", queue="inpaint:short")
    options = WorkerOptions(claim_idle_s=30, max_deliveries=3, batch=2, grace_s=0.3)
    await run_until(rig.worker(picky, options, SPECS["inpaint"]), finished)
    assert calls[0] == ["good", "bad"]
    assert ["good"] in calls and ["bad"] in calls
    assert await rig.transport.dead_letters() == []


async def test_a_restarted_worker_takes_its_own_pending_work_first(rig: Rig) -> None:
    await rig.open("held")
    await rig.transport.consume(["ocr"], "me", 10, 0.1)  # the previous life of "me"
    await rig.open("new")
    order: list[tuple[str, int]] = []
    finished = asyncio.Event()

    async def note(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            order.append((work.image_id, work.delivery.deliveries))
            await ctx.advance(work, [], ())
        if len(order) == 2:
            finished.set()

    await run_until(rig.worker(note), finished)
    assert order == [("held", 2), ("new", 1)]
