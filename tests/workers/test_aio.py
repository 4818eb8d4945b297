"""Ending tasks for certain: a cancellation the task drops (Python 3.11's `wait_for`, around
every redis-py socket write, drops one that arrives as its inner task finishes) is sent
again, so a shutdown that waits for a loop ends."""

from __future__ import annotations

import asyncio

import pytest

from workers import aio
from workers.transport.retry import supervise


class Stubborn:
    """A loop that drops the first `drops` cancellations it gets, as a lost one looks."""

    def __init__(self, drops: int = 1) -> None:
        self.drops = drops
        self.dropped = 0
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        while True:
            self.running.set()
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if self.dropped >= self.drops:
                    raise
                self.dropped += 1


@pytest.fixture(autouse=True)
def quick_recancel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aio, "RECANCEL_S", 0.01)


async def test_end_cancels_again_until_the_task_ends() -> None:
    body = Stubborn(drops=3)
    task = asyncio.create_task(body())
    await body.running.wait()
    outcomes = await asyncio.wait_for(aio.end([task], "test"), 5)
    assert task.cancelled() and body.dropped == 3
    assert isinstance(outcomes[0], asyncio.CancelledError)


async def test_end_gives_the_outcomes_of_tasks_already_done() -> None:
    async def fails() -> None:
        raise ValueError("broken")

    async def returns() -> int:
        return 7

    done = [asyncio.create_task(fails()), asyncio.create_task(returns())]
    await asyncio.wait(done)
    outcomes = await aio.end(done, "test")
    assert isinstance(outcomes[0], ValueError) and outcomes[1] == 7


async def test_a_cancelled_supervisor_ends_a_body_that_dropped_the_cancellation() -> None:
    body = Stubborn()
    task = asyncio.create_task(supervise("stubborn", body))
    await body.running.wait()
    task.cancel()
    # One cancel() and a gather on the body waited here for good.
    done, _ = await asyncio.wait([task], timeout=5)
    assert done and task.cancelled() and body.dropped == 1


async def test_the_supervisor_cancelled_twice_still_ends_its_body() -> None:
    body = Stubborn(drops=2)
    ran: list[asyncio.Task[None]] = []

    async def tracked() -> None:
        current = asyncio.current_task()
        assert current is not None
        ran.append(current)
        await body()

    task = asyncio.create_task(supervise("stubborn", tracked))
    await body.running.wait()
    task.cancel()
    await asyncio.sleep(0.02)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done and task.cancelled()
    assert len(ran) == 1 and ran[0].done(), "the body was left running"


async def test_loops_around_wait_for_end_whenever_the_cancel_lands() -> None:
    """The real mechanism: a loop of `wait_for` on work that finishes at once, cancelled at
    every step offset. On Python 3.11 a plain cancel() is lost in most of these."""
    async def at_once() -> None:
        await asyncio.sleep(0)

    async def loop() -> None:
        while True:
            await asyncio.wait_for(at_once(), 10)

    for offset in range(21):
        task = asyncio.create_task(loop())
        for _ in range(offset % 7):
            await asyncio.sleep(0)
        await asyncio.wait_for(aio.end([task], "test"), 5)
        assert task.cancelled()
