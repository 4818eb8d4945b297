"""Readiness: health says `starting` while models load, `error` when they cannot."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tests.backend.server.fakes import FakePipeline
from tests.backend.server.harness import HANG, Origin, WsClient, itp_server, submit
from workers.config import Settings
from workers.errors import ModelMissing
from workers.pipeline.api import EventCallback, ImageTask, Pipeline


class SlowStart(FakePipeline):
    """Starts only when the test says so."""

    go = asyncio.Event()

    async def start(self) -> None:
        await self.go.wait()
        await super().start()


class Broken:
    ready = False

    async def start(self) -> None:
        raise ModelMissing("ocr weights are missing: run `itp models fetch ocr`")

    async def stop(self) -> None:
        return None

    def submit(self, task: ImageTask) -> None:
        raise AssertionError("never started")

    def prioritize(self, image_ids: Sequence[str]) -> None:
        return None

    def cancel_job(self, job_id: str) -> int:
        return 0

    def backlog(self) -> int:
        return 0

    def models_used(self) -> dict[str, str]:
        return {}


def slow_factory(settings: Settings, on_event: EventCallback) -> Pipeline:
    return SlowStart(settings, on_event)


def broken_factory(settings: Settings, on_event: EventCallback) -> Pipeline:
    return Broken()


async def test_jobs_wait_for_the_models(tmp_path: Path, origin: Origin) -> None:
    SlowStart.go = asyncio.Event()
    async with itp_server(tmp_path, slow_factory,
                          fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        async with server.client(token=None) as http:
            health = (await http.get("/v1/health")).json()
        assert health["status"] == "starting" and health["ready"] is False
        job = await submit(server, [origin.url("/img/p0.png")])
        image_id = job["images"][0]["image_id"]
        async with WsClient.open(server) as ws:
            await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
            SlowStart.go.set()
            final = await ws.until_terminal({image_id})
        assert final[image_id]["type"] == "done"
        await server.wait_ready()


async def test_a_pipeline_that_cannot_start_is_reported(tmp_path: Path) -> None:
    async with itp_server(tmp_path, broken_factory) as server, server.client() as http:
        async with asyncio.timeout(HANG):
            while (health := (await http.get("/v1/health")).json())["status"] == "starting":
                await asyncio.sleep(0.01)
        refused = await http.post("/v1/jobs", json={"images": ["http://example.com/a.png"]})
        spec = (await http.get("/v1/openapi.json")).json()
    assert health["status"] == "error" and health["ready"] is False
    assert health["error"]["code"] == "model_missing"
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "model_missing"
    assert "/v1/jobs" in spec["paths"] and spec["openapi"].startswith("3.")
