"""The server end to end on the real embedded pipeline (deterministic translator, no
network): one server for the module, since loading the models is the slow part."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from backend.server.app import PipelineFactory
from tests.backend.server.conftest import fake_factory, origin_images
from tests.backend.server.fakes import image_size
from tests.backend.server.harness import (
    REFERER,
    ItpServer,
    Origin,
    WsClient,
    itp_server,
    origin_server,
    submit,
)
from workers.pipeline.api import STAGES

pytestmark = pytest.mark.asyncio(loop_scope="module")
EMBEDDED = Path(__file__).resolve().parents[3] / "workers" / "pipeline" / "embedded.py"


def pipeline_factory() -> PipelineFactory:
    if not EMBEDDED.exists():
        return fake_factory
    from backend.cmd_serve import embedded_pipeline

    return embedded_pipeline


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site() -> AsyncIterator[Origin]:
    async with origin_server(origin_images()) as served:
        yield served


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory,
                 site: Origin) -> AsyncIterator[ItpServer]:
    async with itp_server(tmp_path_factory.mktemp("itp"), pipeline_factory(),
                          fetch_allow=(f"127.0.0.1:{site.port}",)) as running:
        await running.wait_ready()
        yield running


async def test_job_streams_events_and_serves_results(server: ItpServer, site: Origin) -> None:
    names = ["p0.png", "p1.png", "p2.png"]
    job = await submit(server, [site.url(f"/img/{n}") for n in names])
    ids = [i["image_id"] for i in job["images"]]
    assert [i["url"] for i in job["images"]] == [site.url(f"/img/{n}") for n in names]
    async with WsClient.open(server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        final = await ws.until_terminal(set(ids))
    events = ws.events(job["job_id"])
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for image_id in ids:
        mine = [e for e in events if e["image_id"] == image_id]
        kinds = [e["type"] for e in mine]
        assert kinds[0] == "progress" and mine[0]["stage"] == "fetch"
        queued = [e for e in mine if e["type"] == "queued"]
        assert len(queued) == 1 and queued[0]["position"] >= 1
        stages = {e["stage"] for e in mine if e["type"] == "progress"} - {"fetch"}
        assert stages and stages <= set(STAGES) | {"preprocess"}
        assert kinds[-1] == "done" and final[image_id]["cached"] is False
    # The origin refuses hotlinking: every fetch carried the page as Referer.
    assert {(name, ref) for name, ref, _ in site.hits if name in names} == \
        {(n, REFERER) for n in names}

    async with server.client() as http:
        for image_id in ids:
            response = await http.get(final[image_id]["result_url"])
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/png"
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            etag = response.headers["etag"]
            assert etag.startswith('"') and etag.endswith('"') and len(etag) > 20
            assert image_size(response.content) == image_size(site.images["p0.png"])
            again = await http.get(final[image_id]["result_url"],
                                   headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.headers["etag"] == etag
            assert again.content == b""
            weak = await http.get(final[image_id]["result_url"],
                                  headers={"If-None-Match": f'"other", W/{etag}'})
            assert weak.status_code == 304
        metrics = (await http.get("/metrics")).text
    assert 'itp_stage_seconds_count{stage="ocr"}' in metrics
    assert 'itp_images_done_total{cached="false"}' in metrics


async def test_repeated_image_is_answered_from_the_cache(server: ItpServer,
                                                         site: Origin) -> None:
    url = site.url("/img/p3.png")
    first = await submit(server, [url])
    async with WsClient.open(server) as ws:
        await ws.send({"type": "subscribe", "job_id": first["job_id"], "last_seq": 0})
        done1 = (await ws.until_terminal({first["images"][0]["image_id"]}))
        second = await submit(server, [url])
        second_id = second["images"][0]["image_id"]
        await ws.send({"type": "subscribe", "job_id": second["job_id"], "last_seq": 0})
        done2 = await ws.until_terminal({second_id})
    assert done1[first["images"][0]["image_id"]]["cached"] is False
    assert done2[second_id]["type"] == "done" and done2[second_id]["cached"] is True
    kinds = [e["type"] for e in ws.events(second["job_id"])]
    assert kinds == ["progress", "done"]  # fetched, then answered without the pipeline
    async with server.client() as http:
        a = await http.get(done1[first["images"][0]["image_id"]]["result_url"])
        b = await http.get(done2[second_id]["result_url"])
        metrics = (await http.get("/metrics")).text
    assert a.content == b.content and a.headers["etag"] == b.headers["etag"]
    hits = [line for line in metrics.splitlines() if line.startswith("itp_cache_hits_total")]
    assert hits and int(hits[0].split()[1]) >= 1


async def test_reconnect_with_last_seq_replays_exactly_the_missed_events(
        server: ItpServer, site: Origin) -> None:
    job = await submit(server, [site.url("/img/p4.png"), site.url("/img/p5.png")])
    ids = {i["image_id"] for i in job["images"]}
    async with WsClient.open(server) as first:
        await first.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        await first.until(lambda m: m.get("type") == "queued")
    seen = first.events(job["job_id"])
    last_seq = seen[-1]["seq"]
    async with WsClient.open(server) as second:
        assert second.hello["resumed"] is False
        await second.send({"type": "subscribe", "job_id": job["job_id"],
                           "last_seq": last_seq})
        await second.until_terminal(ids)
    log = server.state.store.jobs[job["job_id"]].log
    missed = [e["seq"] for e in log if e["seq"] > last_seq]
    assert [e["seq"] for e in second.events(job["job_id"])] == missed
    assert [e["seq"] for e in seen] + missed == [e["seq"] for e in log]


async def test_session_resume_replays_from_last_seq(server: ItpServer, site: Origin) -> None:
    job = await submit(server, [site.url("/img/p7.png")])
    image_id = job["images"][0]["image_id"]
    async with WsClient.open(server) as first:
        await first.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        await first.until(lambda m: "seq" in m)
    session, last_seq = first.hello["session"], first.events()[-1]["seq"]
    async with WsClient.open(server, session=session, last_seq=last_seq) as again:
        assert again.hello["resumed"] is True and again.hello["session"] == session
        await again.until_terminal({image_id})
    log = server.state.store.jobs[job["job_id"]].log
    assert [e["seq"] for e in again.events()] == [e["seq"] for e in log if e["seq"] > last_seq]


async def test_fetch_failure_then_upload_finishes_the_same_image(server: ItpServer,
                                                                 site: Origin) -> None:
    url = site.url("/img/p6.png")
    job = await submit(server, [url], referer="https://elsewhere.example/")
    image_id = job["images"][0]["image_id"]
    async with WsClient.open(server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        failed = (await ws.until_terminal({image_id}))[image_id]
        assert failed["type"] == "error" and failed["code"] == "fetch_failed"
        assert failed["retryable"] is True and "upload" in failed["message"]
        async with server.client() as http:
            response = await http.post(f"/v1/jobs/{job['job_id']}/images",
                                       content=site.images["p6.png"],
                                       headers={"Content-Type": "image/png",
                                                "X-Image-Url": url})
        assert response.status_code == 202 and response.json() == {"image_id": image_id}
        done = await ws.until(lambda m: m.get("image_id") == image_id
                              and m.get("type") in ("done", "error"))
    assert done["type"] == "done"


async def test_jpeg_page_comes_back_as_jpeg(server: ItpServer, site: Origin) -> None:
    job = await submit(server, [site.url("/img/photo.jpg")])
    image_id = job["images"][0]["image_id"]
    async with WsClient.open(server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        done = (await ws.until_terminal({image_id}))[image_id]
    async with server.client() as http:
        response = await http.get(done["result_url"])
        health = (await http.get("/v1/health")).json()
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8\xff")
    assert health["status"] == "ok" and health["ready"] is True and health["backlog"] == 0
