"""The transport contract, run against both implementations: what the stage workers and the
server rely on, whatever carries the messages."""

from __future__ import annotations

import asyncio

import pytest

from tests.workers.transport.messages import msg, opened
from workers.transport.base import DeadLetter, Delivery, Event, Step, Transport


async def test_each_message_goes_to_one_consumer_in_order(transport: Transport) -> None:
    await opened(transport, "a", "b", "c")
    first = await transport.consume(["ocr"], "w1", 2, 0.1)
    second = await transport.consume(["ocr"], "w2", 5, 0.1)
    assert [d.message.image_id for d in first] == ["a", "b"]
    assert [d.message.image_id for d in second] == ["c"]
    assert all(d.deliveries == 1 for d in first + second)
    assert await transport.consume(["ocr"], "w3", 5, 0.05) == []
    assert first[0].message.ref("input") == "a"


async def test_blocking_consume_wakes_on_enqueue(transport: Transport) -> None:
    await opened(transport, "a")
    await transport.consume(["ocr"], "w", 5, 0)
    waiting = asyncio.create_task(transport.consume(["process"], "w", 5, 5.0))
    await asyncio.sleep(0.1)
    await transport.enqueue("process", msg("a"))
    got = await asyncio.wait_for(waiting, 3)
    assert [d.queue for d in got] == ["process"]


async def test_restart_reads_own_pending_first(transport: Transport) -> None:
    await opened(transport, "a", "b")
    taken = await transport.consume(["ocr"], "w1", 5, 0.1)
    await transport.ack(taken[0])
    again = await transport.consume(["ocr"], "w1", 5, 0, own_pending=True)
    assert [(d.message.image_id, d.deliveries) for d in again] == [("b", 2)]
    assert await transport.consume(["ocr"], "w2", 5, 0, own_pending=True) == []


async def test_reaper_takes_idle_work_and_heartbeat_keeps_it(transport: Transport) -> None:
    await opened(transport, "a", "b")
    taken = await transport.consume(["ocr"], "dead", 1, 0.1)
    kept = await transport.consume(["ocr"], "alive", 1, 0.1)
    await asyncio.sleep(0.3)
    await transport.touch("alive", kept)
    got = await transport.reclaim(["ocr"], "reaper", 0.2, 10)
    assert [(d.message.image_id, d.deliveries) for d in got] == [("a", 2)]
    assert got[0].entry_id == taken[0].entry_id
    # The dead consumer's heartbeat (a zombie) must not take it back from the reaper.
    await asyncio.sleep(0.3)
    await transport.touch("dead", taken)
    stolen = await transport.reclaim(["ocr"], "other", 0.2, 10)
    assert {d.message.image_id for d in stolen} == {"a", "b"}


async def test_released_work_is_reclaimed_at_once(transport: Transport) -> None:
    await opened(transport, "a")
    taken = await transport.consume(["ocr"], "w1", 1, 0.1)
    assert await transport.reclaim(["ocr"], "w2", 60, 10) == []
    await transport.release("w1", taken)
    got = await transport.reclaim(["ocr"], "w2", 60, 10)
    # Handed back, not failed: this delivery is not counted as a try.
    assert [(d.message.image_id, d.deliveries) for d in got] == [("a", 1)]


async def test_ack_moves_active_images_on_and_drops_finished_ones(transport: Transport) -> None:
    await opened(transport, "a", "b")
    a, b = await transport.consume(["ocr"], "w", 2, 0.1)
    step = Step(next=(("process", msg("a", image="img-a")),), timings=(("ocr", 0.5),))
    assert await transport.ack(a, step)
    assert await transport.finish(Event("error", "b", "job", code="cancelled"))
    assert not await transport.ack(b, Step(next=(("process", msg("b")),)))
    got = await transport.consume(["process"], "w", 5, 0.1)
    assert [d.message.ref("image") for d in got] == ["img-a"]
    info = await transport.info("a")
    assert info is not None and dict(info.timings) == {"ocr": 0.5} and info.name == "a"
    assert await transport.info("b") is None
    assert await transport.consume(["ocr"], "w", 5, 0, own_pending=True) == []
    assert (await transport.busy())["ocr"] == pytest.approx(0.5)


async def _halves(t: Transport, image: str) -> tuple[Delivery, Delivery]:
    await t.enqueue("translate", msg(image))
    await t.enqueue("inpaint:short", msg(image))
    (tr,) = await t.consume(["translate"], "w", 1, 0.1)
    (inp,) = await t.consume(["inpaint:long", "inpaint:short"], "w", 1, 0.1)
    return tr, inp


async def test_join_enqueues_render_once(transport: Transport) -> None:
    await opened(transport, "a", "b", "c")
    base = (("image", "I"), ("layout", "L"))
    tr, inp = await _halves(transport, "a")
    assert await transport.join(tr, (("translations", "T"),), base)
    assert await transport.consume(["render"], "w", 10, 0.05) == []
    assert await transport.join(inp, (("erased", "E"),), base)
    # A replayed half after the join: acknowledged, nothing enqueued.
    await transport.enqueue("translate", msg("a"))
    (replay,) = await transport.consume(["translate"], "w", 1, 0.1)
    assert await transport.join(replay, (("translations", "T"),), base)
    # Both halves at the same moment: still exactly one render.
    tr_b, inp_b = await _halves(transport, "b")
    await asyncio.gather(transport.join(tr_b, (("translations", "T2"),), base),
                         transport.join(inp_b, (("erased", "E2"),), base))
    renders = await transport.consume(["render"], "w", 10, 0.1)
    assert [d.message.image_id for d in renders] == ["a", "b"]
    assert dict(renders[0].message.refs) == {"image": "I", "layout": "L",
                                             "translations": "T", "erased": "E"}
    # A half of an image that finished meanwhile: the caller is told to clean up.
    tr_c, _ = await _halves(transport, "c")
    await transport.finish(Event("error", "c", "job", code="cancelled"))
    assert not await transport.join(tr_c, (("translations", "T3"),), base)


async def test_finish_emits_once_with_its_dead_letter(transport: Transport) -> None:
    await opened(transport, "a", "b")
    a, b = await transport.consume(["ocr"], "w", 2, 0.1)
    dead = DeadLetter("ocr", a.entry_id, a.message, 3, "RuntimeError: boom")
    assert await transport.finish(Event("error", "a", "job", code="internal"), a, dead)
    assert not await transport.finish(Event("done", "a", "job", result="R"))
    assert await transport.finish(Event("done", "b", "job", result="R"), b)
    events = await transport.read_events("server", 10, 0.5)
    assert [(e.kind, e.image_id) for _, e in events] == [("error", "a"), ("done", "b")]
    assert events[1][1].result == "R" and events[0][1].code == "internal"
    await transport.ack_events([i for i, _ in events])
    (letter,) = await transport.dead_letters()
    assert (letter.message.image_id, letter.deliveries, letter.queue) == ("a", 3, "ocr")
    assert await transport.consume(["ocr"], "w", 5, 0, own_pending=True) == []


async def test_priorities_and_backlog(transport: Transport) -> None:
    await opened(transport, "a", "b", "c")
    await transport.prioritize(["c", "gone"])
    await transport.prioritize(["b", "a"])
    scores = await transport.priorities(["a", "b", "c", "gone"])
    assert scores[3] is None
    a, b, c = (s for s in scores[:3] if s is not None)
    assert b < a < c
    assert await transport.backlog() == 3
    assert await transport.backlog(exclude=["a", "nope"]) == 2
    await transport.finish(Event("done", "a", "job"))
    assert await transport.backlog() == 2
    assert (await transport.priorities(["a"]))[0] is None
