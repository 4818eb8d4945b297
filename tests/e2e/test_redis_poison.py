"""A page that crashes a stage every time ends in the dead-letter stream after N tries, with
an `error` event for it alone; the pages around it are unaffected."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.workers.runner.cluster import SETTINGS, Cluster, collect, small_page
from tests.workers.transport.redisproc import need_redis
from workers.pipeline.api import ImageTask, PipelineEvent

pytestmark = pytest.mark.redis

TRIES = 3


async def test_poison_page_is_dead_lettered_alone(tmp_path: Path) -> None:
    need_redis()
    from workers.pipeline.redis import RedisPipeline

    cluster = Cluster(tmp_path, claim_idle_s=1.0, max_deliveries=TRIES)
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(SETTINGS, events.put_nowait, cluster.redis.url)
    try:
        workers = [
            cluster.start(["process"], "poisoned", module="tests.workers.runner.poison_worker"),
            cluster.start(["ocr", "translate", "preprocess", "inpaint", "render"], "rest")]
        await cluster.wait_ready(workers)
        await pipeline.start()
        pages = {f"p{i}": small_page(i, marker=(i == 2)) for i in range(5)}
        for i, (image_id, data) in enumerate(pages.items()):
            pipeline.submit(ImageTask(image_id, "chapter", data, SETTINGS.job, i))
        seen = await collect(events, len(pages), 120)
        finished = {e.image_id: e for e in seen if e.kind in ("done", "error")}
        assert {k for k, e in finished.items() if e.kind == "done"} == {"p0", "p1", "p3", "p4"}
        error = finished["p2"].error
        assert error is not None and error.code == "internal", cluster.logs()
        assert "process" in error.message and f"{TRIES} times" in error.message
        (letter,) = await pipeline.transport.dead_letters()
        assert letter.message.image_id == "p2" and letter.queue == "process"
        assert letter.deliveries == TRIES and "RuntimeError" in letter.reason
        log = (tmp_path / "worker-poisoned.log").read_text()
        assert log.count("outcome=crash") == TRIES and "Traceback" in log
        left = await pipeline.shared.leftovers()
        for _ in range(50):
            if not left:
                break
            await asyncio.sleep(0.1)
            left = await pipeline.shared.leftovers()
        assert left == []
        assert cluster.stop() == [0, 0], cluster.logs()
    finally:
        await pipeline.stop()
        cluster.close()
