"""The Redis transport's blob store: shared memory on one host, Redis once another host takes
part, freed with the image, swept after a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workers.transport.blobs import BlobElsewhere, BlobMissing, MemoryBlobs

pytestmark = pytest.mark.redis




async def _store(url: str, base: Path, mode: str = "auto") -> object:
    from workers.transport.redis_streams import connect
    from workers.transport.shared import SharedBlobs

    blobs = SharedBlobs(connect(url), "itp", mode=mode, base=base)  # type: ignore[arg-type]
    await blobs.start()
    return blobs


async def test_one_host_uses_shared_memory_and_frees_it(redis_url: str, tmp_path: Path) -> None:
    from workers.transport.shared import SharedBlobs

    blobs = await _store(redis_url, tmp_path)
    assert isinstance(blobs, SharedBlobs)
    ref = await blobs.put("img1", "ocr-abc-image", b"pixels")
    assert ref.startswith(f"shm:{blobs.placement.host}:")
    assert await blobs.get(ref) == b"pixels"
    # A replay writes the same name again: still one blob.
    assert await blobs.put("img1", "ocr-abc-image", b"pixels") == ref
    assert await blobs.leftovers() == ["img1/ocr-abc-image", "itp:blobs:img1"]
    await blobs.free("img1")
    assert await blobs.leftovers() == []
    with pytest.raises(BlobMissing):
        await blobs.get(ref)
    await blobs.client.aclose()


async def test_another_host_moves_blobs_to_redis(redis_url: str, tmp_path: Path) -> None:
    from workers.transport.shared import SharedBlobs

    first = await _store(redis_url, tmp_path)
    assert isinstance(first, SharedBlobs)
    shm_ref = await first.put("img", "a", b"local")
    seconds, _ = await first.client.time()
    await first.client.hset("itp:peers", "worker:gpu-box:1:x", f"otherhost {seconds}")
    blobs = await _store(redis_url, tmp_path)
    assert isinstance(blobs, SharedBlobs)
    ref = await blobs.put("img", "b", b"shared")
    assert ref == "redis:itp:blob:img:b"
    assert await blobs.get(ref) == b"shared"
    # No deadline while the image may be waiting; freed with it (see test_redis_faults).
    assert await blobs.client.ttl("itp:blob:img:b") == -1
    # A reader on another host cannot reach this host's shared memory: it must hand back.
    foreign = shm_ref.replace(first.placement.host, "otherhost")
    with pytest.raises(BlobElsewhere):
        await blobs.get(foreign)
    await blobs.free("img")
    assert await blobs.leftovers() == []
    await first.client.aclose()
    await blobs.client.aclose()


async def test_sweep_removes_leftovers_of_inactive_images(redis_url: str,
                                                          tmp_path: Path) -> None:
    from workers.transport.shared import SharedBlobs

    blobs = await _store(redis_url, tmp_path, mode="shm")
    assert isinstance(blobs, SharedBlobs)
    await blobs.client.sadd("itp:active", "running")
    await blobs.put("running", "x", b"1")
    await blobs.put("crashed/odd id", "x", b"2")
    assert await blobs.sweep(grace_s=3600) == 0
    time.sleep(0.05)
    assert await blobs.sweep(grace_s=0.01) == 1
    assert await blobs.leftovers() == ["itp:blobs:running", "running/x"]
    await blobs.client.aclose()


async def test_memory_blobs() -> None:
    blobs = MemoryBlobs()
    ref = await blobs.put("i", "n", b"x")
    assert await blobs.get(ref) == b"x" and len(blobs) == 1
    await blobs.free("i")
    assert len(blobs) == 0
    with pytest.raises(BlobMissing):
        await blobs.get(ref)
