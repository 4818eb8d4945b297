"""A full Redis (`maxmemory` with `noeviction`, blobs in Redis): the images that do not fit
are refused with `queue_full`, the ones taken in finish, nothing hangs, and once the backlog
has drained the refused ones go through."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.workers.runner.cluster import SETTINGS, Cluster, collect, small_page
from tests.workers.transport.redisproc import need_redis
from workers.pipeline.api import ImageTask, PipelineEvent

pytestmark = pytest.mark.redis

IMAGES = 12
# Twelve of these pages' inputs alone (600 kB each, see `heavy_page`) are more than this Redis
# takes beside its own 1.4 MB: without admission some writes are refused outright. Two or
# three pages fit on their whole way through the stages (about 2 MB each at their peak), so
# what is taken in can finish, and a page alone always fits.
MAXMEMORY = "8mb"


def heavy_page(i: int) -> bytes:
    """`small_page` whose file is heavy for its pixels (600 kB of metadata)."""
    return small_page(i, padding=600_000)


async def test_a_full_redis_refuses_what_does_not_fit_and_finishes_the_rest(
        tmp_path: Path) -> None:
    need_redis()
    from workers.pipeline.redis import RedisPipeline

    cluster = Cluster(tmp_path, blobs="redis", redis_options={"maxmemory": MAXMEMORY})
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(SETTINGS, events.put_nowait, cluster.redis.url,
                             blob_mode="redis")
    try:
        worker = cluster.start(["all"], "all")
        await cluster.wait_ready([worker])
        await pipeline.start()
        for i in range(IMAGES):
            pipeline.submit(ImageTask(f"img{i:02d}", "chapter", heavy_page(i), SETTINGS.job, i))
        seen = await collect(events, IMAGES, 240)
        final = {e.image_id: e for e in seen if e.kind in ("done", "error")}
        assert len(final) == IMAGES
        refused = sorted(i for i, e in final.items() if e.kind == "error")
        codes = {(e.error.code, e.error.retryable) for e in final.values() if e.error}
        assert refused and codes == {("queue_full", True)}, (codes, cluster.logs())
        assert len(refused) < IMAGES, "what was taken in finishes"
        assert pipeline.backlog() == 0
        # Drained: the Redis has room again, and what was refused goes through.
        for image_id in refused[:2]:
            i = int(image_id[3:])
            pipeline.submit(ImageTask(image_id, "again", heavy_page(i), SETTINGS.job, i))
            (last,) = [e for e in await collect(events, 1, 120)
                       if e.kind in ("done", "error")]
            assert last.kind == "done", (last.error, cluster.logs())
        assert cluster.stop() == [0], cluster.logs()
    finally:
        await pipeline.stop()
        cluster.close()
