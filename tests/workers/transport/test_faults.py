"""Faults the transport contract must hold under, on both implementations: duplicate
deliveries (a reclaimed message whose first worker finishes late), hand-backs, and events a
reader took but did not acknowledge."""

from __future__ import annotations

import pytest

from tests.workers.transport.messages import msg, opened
from workers.transport.base import Event, Step, Transport


async def test_a_late_duplicate_ack_enqueues_nothing(transport: Transport) -> None:
    await opened(transport, "a")
    (slow,) = await transport.consume(["ocr"], "slow", 1, 0.1)
    # The slow worker's heartbeat was late: another worker took the same entry over.
    (fast,) = await transport.reclaim(["ocr"], "fast", 0, 10)
    assert fast.entry_id == slow.entry_id
    step = Step(next=(("process", msg("a", image="I")),), timings=(("ocr", 1.0),))
    assert await transport.ack(fast, step)
    # The slow one finishes too: nothing is enqueued a second time, and nothing tells it to
    # clean up (the image is alive and moving on).
    assert await transport.ack(slow, step)
    got = await transport.consume(["process"], "w", 10, 0.1)
    assert [d.message.ref("image") for d in got] == ["I"]
    assert (await transport.busy())["ocr"] == pytest.approx(1.0)


async def test_a_late_duplicate_after_the_finish_frees_nothing(transport: Transport) -> None:
    await opened(transport, "a", queue="render")
    (slow,) = await transport.consume(["render"], "slow", 1, 0.1)
    (fast,) = await transport.reclaim(["render"], "fast", 0, 10)
    assert await transport.finish(Event("done", "a", "job", result="R"), fast)
    # False would tell the late worker to free the image's blobs: the result the server has
    # not read yet among them.
    assert await transport.ack(slow, Step(next=(("render", msg("a")),)))
    assert await transport.join(slow, (("translations", "T"),), ())
    assert not await transport.finish(Event("done", "a", "job", result="R2"), slow)
    events = await transport.read_events("server", 10, 0.2)
    assert [(e.kind, e.result) for _, e in events] == [("done", "R")]
    assert await transport.consume(["render"], "w", 10, 0.1) == []


async def test_a_late_duplicate_failure_does_not_fail_a_moving_image(
        transport: Transport) -> None:
    await opened(transport, "a")
    (slow,) = await transport.consume(["ocr"], "slow", 1, 0.1)
    (fast,) = await transport.reclaim(["ocr"], "fast", 0, 10)
    assert await transport.ack(fast, Step(next=(("process", msg("a")),)))
    error = Event("error", "a", "job", stage="ocr", code="internal", message="late")
    assert not await transport.finish(error, slow)
    assert await transport.info("a") is not None
    assert await transport.read_events("server", 10, 0.1) == []


async def test_a_duplicate_half_does_not_join_twice(transport: Transport) -> None:
    await opened(transport, "a")
    await transport.enqueue("translate", msg("a"))
    await transport.enqueue("inpaint:short", msg("a"))
    (slow,) = await transport.consume(["translate"], "slow", 1, 0.1)
    (fast,) = await transport.reclaim(["translate"], "fast", 0, 10)
    (inp,) = await transport.consume(["inpaint:long", "inpaint:short"], "w", 1, 0.1)
    base = (("image", "I"), ("layout", "L"))
    assert await transport.join(fast, (("translations", "T"),), base)
    assert await transport.join(inp, (("erased", "E"),), base)
    assert await transport.join(slow, (("translations", "T-late"),), base)
    renders = await transport.consume(["render"], "w", 10, 0.1)
    assert [dict(d.message.refs)["translations"] for d in renders] == ["T"]


async def test_handing_back_is_not_a_delivery(transport: Transport) -> None:
    await opened(transport, "a")
    (held,) = await transport.consume(["ocr"], "w0", 1, 0.1)
    # Hosts pass the message around (its input is in another host's shared memory) many
    # more times than any max-deliveries.
    for i in range(8):
        await transport.release(f"w{i}", [held])
        (held,) = await transport.reclaim(["ocr"], f"w{i + 1}", 60, 10)
        assert held.deliveries == 1
    # A stage that crashed on it hands it back as a failed try: that one counts.
    await transport.release("w8", [held], failed=True)
    (held,) = await transport.reclaim(["ocr"], "w9", 60, 10)
    assert held.deliveries == 2


async def test_events_read_and_not_acknowledged_come_again(transport: Transport) -> None:
    await opened(transport, "a", "b", "c")
    for image in ("a", "b", "c"):
        await transport.finish(Event("done", image, "job", result=image))
    first = await transport.read_events("server", 10, 0.2)
    assert [e.image_id for _, e in first] == ["a", "b", "c"]
    # The reader handled only the first one (the others failed for a moment).
    await transport.ack_events([first[0][0]])
    again = await transport.read_events("server", 10, 0.2)
    assert [e.image_id for _, e in again] == ["b", "c"]
    await transport.ack_events([i for i, _ in again])
    assert await transport.read_events("server", 10, 0.1) == []


async def test_the_ledger_knows_which_images_it_holds(transport: Transport) -> None:
    await opened(transport, "a", "b")
    await transport.finish(Event("done", "b", "job"))
    assert await transport.known(["a", "b", "never"]) == [True, True, False]
    assert not await transport.lost()
