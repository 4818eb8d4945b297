"""The Redis transport when Redis misbehaves: it loses its data, it is full, it is set up to
drop data; and blobs whose host is gone or whose image waits for days."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.workers.transport.redisproc import RedisProc
from workers.errors import QueueFull
from workers.transport.base import Event, ImageInfo, Message, Step
from workers.transport.blobs import BlobElsewhere, BlobMissing

pytestmark = pytest.mark.redis




def _transport(url: str) -> Any:
    from workers.transport.redis_streams import RedisTransport, connect

    return RedisTransport(connect(url))


async def _blobs(url: str, base: Path, mode: str = "redis") -> Any:
    from workers.transport.redis_streams import connect
    from workers.transport.shared import SharedBlobs

    blobs = SharedBlobs(connect(url), "itp", mode=mode, base=base)  # type: ignore[arg-type]
    await blobs.start()
    return blobs


async def _open(t: Any, image: str, queue: str = "ocr") -> None:
    await t.open(ImageInfo(image, "job", "{}"), queue, Message(image, "job", (("in", "x"),)))


async def test_data_loss_is_noticed_and_the_queues_come_back(redis_url: str) -> None:
    t, other = _transport(redis_url), _transport(redis_url)
    await t.setup()
    await other.setup()
    await _open(t, "a")
    (held,) = await t.consume(["ocr"], "w", 1, 0.1)
    assert not await t.lost()
    await t.client.flushall()  # Redis restarted without its append-only file
    # The reaper and the heartbeat meet the missing consumer group: no error escapes.
    assert await t.reclaim(["ocr"], "w", 0, 10) == []
    await t.touch("w", [held])
    await t.release("w", [held])
    # Noticed once, by every process.
    assert await t.lost()
    assert not await t.lost()
    assert await other.lost()
    assert await t.known(["a"]) == [False]
    await _open(t, "b")
    assert [d.message.image_id for d in await t.consume(["ocr"], "w", 5, 0.1)] == ["b"]
    await t.close()
    await other.close()


async def test_settings_that_lose_data_are_reported(tmp_path: Path) -> None:
    from workers.transport.redis_state import durability_problems
    from workers.transport.redis_streams import connect

    risky = RedisProc(tmp_path / "risky", appendonly="no", maxmemory_policy="allkeys-lru")
    safe = RedisProc(tmp_path / "safe")
    risky.start()
    safe.start()
    try:
        found = await durability_problems(connect(risky.url))
        assert len(found) == 2
        assert any("appendonly" in p for p in found)
        assert any("allkeys-lru" in p for p in found)
        assert await durability_problems(connect(safe.url)) == []
    finally:
        risky.close()
        safe.close()


async def test_a_full_redis_refuses_new_work_and_lets_work_in_flight_end(
        redis_url: str, tmp_path: Path) -> None:
    t = _transport(redis_url)
    await t.setup()
    blobs = await _blobs(redis_url, tmp_path)
    await _open(t, "moving")
    (moving,) = await t.consume(["ocr"], "w", 1, 0.1)
    await _open(t, "ending", "render")
    (ending,) = await t.consume(["render"], "w", 1, 0.1)
    await _open(t, "cancelled")
    # Redis reaches its maxmemory (noeviction).
    used = (await t.client.info("memory"))["used_memory"]
    await t.client.config_set("maxmemory", used // 2)
    with pytest.raises(QueueFull):
        await blobs.put("new", "input", b"pixels")
    with pytest.raises(QueueFull):
        await _open(t, "new")
    with pytest.raises(QueueFull):
        await t.publish(Event("progress", "moving", "job", stage="ocr"))
    # What is in flight moves on, ends and is cancelled all the same: that is what frees room.
    assert await t.ack(moving, Step(next=(("process", Message("moving", "job")),),
                                    timings=(("ocr", 0.5),)))
    assert await t.finish(Event("done", "ending", "job", result="R"), ending)
    assert await t.finish(Event("error", "cancelled", "job", code="cancelled"))
    await t.client.config_set("maxmemory", 0)
    assert [d.message.image_id for d in await t.consume(["process"], "w", 5, 0.1)] == [
        "moving"]
    assert [e.image_id for _, e in await t.read_events("server", 5, 0.1)] == [
        "ending", "cancelled"]
    await t.close()
    await blobs.client.aclose()


async def test_a_full_shared_memory_refuses_with_queue_full(
        redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blobs = await _blobs(redis_url, tmp_path, mode="shm")

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(QueueFull):
        await blobs.put("img", "input", b"pixels")
    monkeypatch.undo()
    assert [p for p in (blobs.root / "img").iterdir() if p.name != ".image"] == []
    await blobs.client.aclose()


async def test_an_unwritable_shared_memory_falls_back_to_redis(
        redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def denied(self: Path, data: bytes) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", denied)
    with caplog.at_level(logging.WARNING):
        blobs = await _blobs(redis_url, tmp_path, mode="auto")
    ref = await blobs.put("img", "input", b"pixels")
    assert ref.startswith("redis:")
    assert await blobs.get(ref) == b"pixels"
    assert any("not writable" in r.getMessage() for r in caplog.records)
    await blobs.client.aclose()


async def test_redis_blobs_live_as_long_as_their_image(redis_url: str, tmp_path: Path) -> None:
    t = _transport(redis_url)
    await t.setup()
    blobs = await _blobs(redis_url, tmp_path)
    await _open(t, "a", "render")
    await blobs.put("a", "result", b"1")
    # A backlog may wait a weekend: nothing of an active image expires.
    assert await blobs.client.ttl("itp:blob:a:result") == -1
    assert await blobs.client.ttl("itp:blobs:a") == -1
    (d,) = await t.consume(["render"], "w", 1, 0.1)
    assert await t.finish(Event("done", "a", "job", result="redis:itp:blob:a:result"), d)
    # Finished: freed by the server as it reads the result, or on their own later.
    assert await blobs.client.ttl("itp:blob:a:result") > 0
    assert await blobs.client.ttl("itp:blobs:a") > 0
    # What a crash left of an image that is not active goes with the sweep; an active
    # image's data stays, however old.
    await blobs.put("crashed", "x", b"2")
    await _open(t, "waiting")
    await blobs.put("waiting", "input", b"3")
    assert await blobs.sweep(grace_s=3600) == 0
    assert await blobs.sweep(grace_s=0) == 2  # crashed, and a (finished)
    assert await blobs.client.exists("itp:blob:crashed:x", "itp:blobs:crashed") == 0
    assert await blobs.client.exists("itp:blob:waiting:input", "itp:blobs:waiting") == 2
    await t.close()
    await blobs.client.aclose()


async def test_shared_memory_of_a_host_that_is_gone_is_missing(redis_url: str,
                                                                tmp_path: Path) -> None:
    from workers.transport.placement import PEER_GONE_S

    blobs = await _blobs(redis_url, tmp_path, mode="shm")
    ref = await blobs.put("img", "input", b"pixels")
    seconds, _ = await blobs.client.time()
    await blobs.client.hset("itp:peers", mapping={
        "worker:live:1:a": f"livehost {seconds}",
        "worker:old:1:b": f"oldhost {seconds - PEER_GONE_S - 5}"})
    # A live host: a worker there can read it.
    with pytest.raises(BlobElsewhere):
        await blobs.get(ref.replace(blobs.placement.host, "livehost"))
    # Rebooted (power loss: its shared memory is empty) or never seen: no one ever will.
    for host in ("oldhost", "neverseen00"):
        with pytest.raises(BlobMissing):
            await blobs.get(ref.replace(blobs.placement.host, host))
    await blobs.client.aclose()
