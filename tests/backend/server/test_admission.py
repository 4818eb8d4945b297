"""Admission and the server's queues: what the server holds is bounded by images and by their
decoded pixels, wherever an image is (downloaded and waiting for the pipeline to start, in
it, or being stored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest

from backend.server.scheduler import PIXELS_PER_IMAGE
from tests.backend.server.fakes import FakePipeline, page_png
from tests.backend.server.harness import (
    HANG,
    REFERER,
    ItpServer,
    Origin,
    WsClient,
    itp_server,
    origin_server,
    submit,
)
from tests.backend.server.test_startup import SlowStart, slow_factory
from workers.config import Settings
from workers.imageio import encode_image
from workers.pipeline.api import EventCallback, Pipeline

# With --max-backlog 2 the pixel budget is 2 x PIXELS_PER_IMAGE.
MAX_BACKLOG = 2
BUDGET = MAX_BACKLOG * PIXELS_PER_IMAGE


def blank(pixels: int, mark: int = 0) -> bytes:
    """A white PNG of about `pixels` pixels (a few kB however many pixels: flat); `mark`
    makes it unique (the results cache would answer a copy)."""
    width = 2000
    image = np.full((max(1, pixels // width), width, 3), 255, np.uint8)
    image[0, 0] = mark
    return encode_image(image, "PNG")


def gated(settings: Settings, on_event: EventCallback) -> Pipeline:
    return FakePipeline(settings, on_event, gated=True)


@pytest.fixture
async def big_origin() -> AsyncIterator[Origin]:
    images = {"huge.png": blank(BUDGET + PIXELS_PER_IMAGE),
              "small.png": page_png("small")}
    images |= {f"m{i}.png": blank(BUDGET * 3 // 4, mark=i) for i in range(3)}
    async with origin_server(images) as served:
        yield served


async def until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(HANG):
        while not check():
            await asyncio.sleep(0.01)


def fake(server: ItpServer) -> FakePipeline:
    pipeline = server.pipeline
    assert isinstance(pipeline, FakePipeline)
    return pipeline


async def test_admission_counts_decoded_pixels(tmp_path: Path, big_origin: Origin) -> None:
    async with itp_server(tmp_path, gated, max_backlog=MAX_BACKLOG,
                          fetch_allow=(f"127.0.0.1:{big_origin.port}",)) as server:
        await server.wait_ready()
        await submit(server, [big_origin.url("/img/huge.png")])
        # One image, alone larger than the whole budget: it is taken in (nothing else is).
        await until(lambda: len(fake(server).submitted) == 1)
        async with server.client() as http:
            refused = await http.post("/v1/jobs", json={
                "images": [{"url": big_origin.url("/img/small.png"), "referer": REFERER}]})
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "queue_full"
        assert "Mpx" in refused.json()["error"]["message"]
        fake(server).release()
        await until(lambda: server.state.service.backlog() == 0)
        await submit(server, [big_origin.url("/img/small.png")])


async def test_the_pipeline_gets_images_only_while_their_pixels_fit(
        tmp_path: Path, big_origin: Origin) -> None:
    async with itp_server(tmp_path, gated, max_backlog=MAX_BACKLOG,
                          fetch_allow=(f"127.0.0.1:{big_origin.port}",)) as server:
        await server.wait_ready()
        service = server.state.service
        job = await submit(server, [big_origin.url(f"/img/m{i}.png") for i in range(3)])
        ids = {i["image_id"] for i in job["images"]}
        # Each is 3/4 of the budget: one in the pipeline, one downloaded and waiting for
        # room, the third not even downloaded (two images are all the backlog holds).
        await until(lambda: service.load.pixels.waiting == 1 and service.load.room.waiting == 1)
        assert len(fake(server).submitted) == 1
        assert len([h for h in big_origin.hits if h[0].startswith("m")]) == 2
        async with WsClient.open(server) as ws:
            await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
            fake(server).release(3)
            final = await ws.until_terminal(ids)
        assert {m["type"] for m in final.values()} == {"done"}
        assert len(fake(server).submitted) == 3
        assert service.backlog() == 0 and service.load.pixels.used == 0


async def test_downloads_wait_while_images_wait_for_the_pipeline(tmp_path: Path) -> None:
    # Room for four images, but each is 3/4 of the four images' pixel budget.
    pages = {f"b{i}.png": blank(3 * PIXELS_PER_IMAGE, mark=i) for i in range(4)}
    async with origin_server(pages) as origin, itp_server(
            tmp_path, gated, max_backlog=4, fetch_concurrency=1,
            fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        await server.wait_ready()
        load = server.state.service.load
        job = await submit(server, [origin.url(f"/img/{name}") for name in pages])
        # One in the pipeline, one downloaded and waiting for room there; the next download
        # waits behind it, although the backlog has room for two more.
        await until(lambda: load.pixels.waiting == 1 and len(origin.hits) == 2)
        assert len(fake(server).submitted) == 1 and load.room.waiting == 0
        async with WsClient.open(server) as ws:
            await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
            fake(server).release(4)
            final = await ws.until_terminal({i["image_id"] for i in job["images"]})
        assert {m["type"] for m in final.values()} == {"done"}
        assert len(origin.hits) == 4


async def test_images_held_before_the_pipeline_starts_count(tmp_path: Path,
                                                             big_origin: Origin) -> None:
    SlowStart.go = asyncio.Event()  # never set: the pipeline (its Redis, say) is not there
    async with itp_server(tmp_path, slow_factory, max_backlog=1,
                          fetch_allow=(f"127.0.0.1:{big_origin.port}",)) as server:
        job = await submit(server, [big_origin.url("/img/missing.png")])
        async with server.client() as http, asyncio.timeout(HANG):
            while (await http.get(f"/v1/jobs/{job['job_id']}")).json()["images"][0][
                    "status"] != "failed":
                await asyncio.sleep(0.01)
            uploads = []
            for i in range(3):
                uploads.append(await http.post(
                    f"/v1/jobs/{job['job_id']}/images", content=page_png(f"up {i}"),
                    headers={"Content-Type": "image/png", "X-Image-Url": f"up{i}"}))
            health = (await http.get("/v1/health")).json()
        assert [r.status_code for r in uploads] == [202, 202, 503]
        assert uploads[2].json()["error"]["code"] == "queue_full"
        assert health["status"] == "starting" and health["backlog"] == 2
