"""Redis itself dies (SIGKILL) in the middle of a run and comes back from its append-only
file: the run completes, every image once, with its blobs (kept in Redis here) freed."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.workers.runner.cluster import SETTINGS, Cluster, collect, small_page
from tests.workers.transport.redisproc import need_redis
from workers.pipeline.api import ImageTask, PipelineEvent

pytestmark = pytest.mark.redis

IMAGES = 20


async def test_run_survives_a_redis_restart(tmp_path: Path) -> None:
    need_redis()
    from workers.pipeline.redis import RedisPipeline

    cluster = Cluster(tmp_path, blobs="redis")
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(SETTINGS, events.put_nowait, cluster.redis.url, blob_mode="redis")
    try:
        workers = [cluster.start(["ocr", "process", "translate"], "front"),
                   cluster.start(["preprocess", "inpaint", "render"], "back")]
        await cluster.wait_ready(workers)
        await pipeline.start()
        for i in range(IMAGES):
            pipeline.submit(ImageTask(f"img{i:02d}", "chapter", small_page(i), SETTINGS.job, i))
        before = await collect(events, 3, 120)
        cluster.redis.kill()
        await asyncio.sleep(1.0)
        cluster.redis.start()
        after = await collect(events, IMAGES - 3, 150)
        seen = before + after
        done = Counter(e.image_id for e in seen if e.kind == "done")
        errors = [(e.image_id, e.error) for e in seen if e.kind == "error"]
        assert not errors, f"{errors}\n{cluster.logs()}"
        assert len(done) == IMAGES and set(done.values()) == {1}
        await asyncio.sleep(1.0)
        assert not [e for e in _drain(events) if e.kind in ("done", "error")]
        left = await pipeline.shared.leftovers()
        for _ in range(50):
            if not left:
                break
            await asyncio.sleep(0.1)
            left = await pipeline.shared.leftovers()
        assert left == []
        assert pipeline.backlog() == 0
        assert cluster.stop() == [0, 0], cluster.logs()
    finally:
        await pipeline.stop()
        cluster.close()


def _drain(queue: asyncio.Queue[PipelineEvent]) -> list[PipelineEvent]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out
