"""`itp serve --redis` started before its Redis: it says `starting` for as long as Redis is
away, takes jobs in (held within the backlog), becomes ready when Redis comes up, and then
completes them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.backend.server.harness import WsClient, itp_server, origin_server, submit
from tests.workers.runner.cluster import SETTINGS, Cluster, small_page
from tests.workers.runner.rig import until
from tests.workers.transport.redisproc import need_redis
from workers.config import Settings
from workers.pipeline.api import EventCallback, Pipeline

pytestmark = pytest.mark.redis


async def test_a_server_started_before_redis_completes_its_jobs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_redis()
    from workers.pipeline import distributed
    from workers.pipeline.redis import RedisPipeline

    # Any outage longer than this used to leave the server `starting` for good.
    monkeypatch.setattr(distributed, "RETRY_S", 0.5)
    cluster = Cluster(tmp_path, start_redis=False)

    def factory(settings: Settings, on_event: EventCallback) -> Pipeline:
        return RedisPipeline(settings, on_event, cluster.redis.url)

    pages = {f"p{i}.png": small_page(i) for i in range(2)}
    try:
        async with origin_server(pages) as origin, itp_server(
                tmp_path / "server", factory, settings=SETTINGS,
                fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
            job = await submit(server, [origin.url(f"/img/{name}") for name in pages])
            ids = {i["image_id"] for i in job["images"]}
            service = server.state.service
            # Downloaded and held, counted in the backlog while Redis is away.
            await until(lambda: service.backlog() == 2)
            await asyncio.sleep(1.5)  # Redis stays away for longer than the retry window
            async with server.client(token=None) as http:
                health = (await http.get("/v1/health")).json()
            assert health["status"] == "starting" and health["backlog"] == 2

            cluster.redis.start()
            worker = cluster.start(["all"], "all")
            await cluster.wait_ready([worker])
            await server.wait_ready()
            async with WsClient.open(server) as ws:
                await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
                final = await ws.until_terminal(ids)
            assert {m["type"] for m in final.values()} == {"done"}, (final, cluster.logs())
            assert cluster.stop() == [0], cluster.logs()
    finally:
        cluster.close()
