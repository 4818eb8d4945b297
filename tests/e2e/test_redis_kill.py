"""Workers die (SIGKILL) in the middle of their work, one stage after another: every image
still ends `done`, exactly once, and nothing is left behind in Redis or shared memory."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.workers.runner.cluster import SETTINGS, Cluster, collect, pending_of, small_page
from tests.workers.transport.redisproc import need_redis
from workers.config import TranslatorSettings
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.transport.base import STAGE_NAMES, STAGE_QUEUES

pytestmark = pytest.mark.redis

IMAGES = 20
# Translation takes a moment here, so the translate worker is caught holding work.
KILL_SETTINGS = SETTINGS.with_(translator=TranslatorSettings(name="deterministic",
                                                             latency_s=0.3))


async def test_killed_workers_lose_nothing(tmp_path: Path) -> None:
    need_redis()
    from workers.pipeline.redis import RedisPipeline

    cluster = Cluster(tmp_path)
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(KILL_SETTINGS, events.put_nowait, cluster.redis.url)
    client = pipeline.shared.client
    try:
        first = {s: cluster.start([s], f"{s}-0") for s in STAGE_NAMES}
        await cluster.wait_ready(list(first.values()))
        await pipeline.start()
        for i in range(IMAGES):
            pipeline.submit(ImageTask(f"img{i:02d}", "chapter", small_page(i), KILL_SETTINGS.job,
                                      i))
        collecting = asyncio.create_task(collect(events, IMAGES, 170))
        killed = []
        for stage in STAGE_NAMES:
            victim = first[stage]
            streams = [f"itp:q:{q}" for q in STAGE_QUEUES[stage]]
            deadline = asyncio.get_running_loop().time() + 60
            while await pending_of(client, streams, stage, victim.name) == 0:
                assert not collecting.done(), f"all finished before {stage} was killed"
                assert asyncio.get_running_loop().time() < deadline, (
                    f"{stage} never held work\n{cluster.logs()}")
                await asyncio.sleep(0.005)
            victim.kill()
            killed.append(stage)
            cluster.start([stage], f"{stage}-1")
        seen = await collecting
        done = Counter(e.image_id for e in seen if e.kind == "done")
        errors = [(e.image_id, e.error) for e in seen if e.kind == "error"]
        assert not errors, f"{errors}\n{cluster.logs()}"
        assert killed == list(STAGE_NAMES)
        assert len(done) == IMAGES and set(done.values()) == {1}
        results = [e.result for e in seen if e.kind == "done"]
        assert all(r is not None and r.blocks and r.blocks[0].translation for r in results)
        # Late duplicates, if any, would arrive now: none may reach the client.
        await asyncio.sleep(1.0)
        assert not [e for e in _drain(events) if e.kind in ("done", "error")]
        assert await _settled(pipeline) == []
        assert pipeline.backlog() == 0
        assert await pipeline.transport.dead_letters() == []
        for stage in STAGE_NAMES:
            for q in STAGE_QUEUES[stage]:
                assert await client.xlen(f"itp:q:{q}") == 0, q
        assert cluster.stop() == [0] * len(STAGE_NAMES), cluster.logs()
    finally:
        await pipeline.stop()
        cluster.close()


async def _settled(pipeline: object) -> list[str]:
    """The blobs left once the server has handled the last events (it frees them right
    after emitting)."""
    from workers.pipeline.redis import RedisPipeline

    assert isinstance(pipeline, RedisPipeline)
    left: list[str] = []
    for _ in range(50):
        left = await pipeline.shared.leftovers()
        if not left:
            break
        await asyncio.sleep(0.1)
    return left


def _drain(queue: asyncio.Queue[PipelineEvent]) -> list[PipelineEvent]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out
