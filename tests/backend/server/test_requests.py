"""Bad input over HTTP: a coded JSON error with the right status, never a 500."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from tests.backend.server.conftest import gated_factory
from tests.backend.server.fakes import FakePipeline, bomb_png, truncated_png
from tests.backend.server.harness import (
    HANG,
    ItpServer,
    Origin,
    WsClient,
    default_settings,
    itp_server,
    submit,
)
from workers.config import Limits


async def _upload(server: ItpServer, job_id: str, data: bytes,
                  content_type: str = "image/png", url: str = "") -> Any:
    async with server.client() as http:
        return await http.post(f"/v1/jobs/{job_id}/images", content=data,
                               headers={"Content-Type": content_type, "X-Image-Url": url})


@pytest.mark.parametrize(("data", "kind", "status", "code"), [
    (bomb_png(), "image/png", 413, "too_large"),
    (bomb_png(50_000, 2), "image/png", 413, "too_large"),
    (b"<html><body>login</body></html>", "image/png", 422, "bad_image"),
    (b"", "image/png", 422, "bad_image"),
    (b"\x89PNG\r\n\x1a\n garbage", "image/png", 422, "bad_image"),
    (b"GIF89a", "image/gif", 422, "bad_image"),
    (b"plain words", "text/plain", 415, "unsupported_media_type"),
])
async def test_bad_uploads_are_refused_at_once(fake_server: ItpServer, origin: Origin,
                                               data: bytes, kind: str, status: int,
                                               code: str) -> None:
    job = await submit(fake_server, [origin.url("/img/p0.png")])
    response = await _upload(fake_server, job["job_id"], data, kind)
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["retryable"] is False and body["message"]


async def test_truncated_upload_fails_alone_in_the_pipeline(fake_server: ItpServer,
                                                            origin: Origin) -> None:
    job = await submit(fake_server, [origin.url("/img/p1.png")])
    response = await _upload(fake_server, job["job_id"], truncated_png("half"),
                             url="https://comics.example/half.png")
    assert response.status_code == 202
    image_id = response.json()["image_id"]
    first = job["images"][0]["image_id"]
    async with WsClient.open(fake_server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        final = await ws.until_terminal({image_id, first})
    assert final[image_id]["code"] == "bad_image"
    assert final[image_id]["url"] == "https://comics.example/half.png"
    assert final[first]["type"] == "done"


async def test_upload_over_the_byte_cap(tmp_path: Path) -> None:
    settings = default_settings(limits=Limits(max_bytes=10_000))
    async def chunks() -> Any:
        for _ in range(4):
            yield b"\x00" * 4096

    async with itp_server(tmp_path, gated_factory, settings=settings) as server, \
            server.client() as http:
        job = (await http.post("/v1/jobs", json={"images": [
            {"url": "http://10.0.0.1/a.png"}]})).json()
        declared = await http.post(f"/v1/jobs/{job['job_id']}/images",
                                   content=b"\x89PNG" + b"\x00" * 20_000,
                                   headers={"Content-Type": "image/png"})
        streamed = await http.post(f"/v1/jobs/{job['job_id']}/images", content=chunks(),
                                   headers={"Content-Type": "image/png"})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(("body", "needle"), [
    (b"{not json", "JSON"),
    (b"[]", "object"),
    (b"{}", "images"),
    (b'{"images": []}', "images"),
    (b'{"images": [3]}', "images[0]"),
    (b'{"images": [{"url": ""}]}', "images[0].url"),
    (b'{"images": [{"url": "http://a/x", "referer": 5}]}', "referer"),
    (b'{"images": ["http://a/x"], "target": "english please"}', "target"),
    (b'{"images": ["http://a/x"], "source": 12}', "source"),
    (b'{"images": ["http://a/x"], "translator": "babelfish"}', "translator"),
    (b"\xff\xfe", "JSON"),
])
async def test_malformed_jobs_are_bad_requests(fake_server: ItpServer, body: bytes,
                                               needle: str) -> None:
    async with fake_server.client() as http:
        response = await http.post("/v1/jobs", content=body,
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request" and needle in error["message"]


async def test_unknown_routes_and_ids_are_json_404s(fake_server: ItpServer) -> None:
    async with fake_server.client() as http:
        route = await http.get("/v1/nothing")
        result = await http.get("/v1/results/unknown")
        upload = await http.post("/v1/jobs/unknown/images", content=b"x",
                                 headers={"Content-Type": "image/png"})
        method = await http.put("/v1/jobs")
    for response in (route, result, upload):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert method.status_code == 405
    assert method.json()["error"]["code"] == "method_not_allowed"


async def test_job_settings_follow_the_request(fake_server: ItpServer, origin: Origin) -> None:
    job = await submit(fake_server, [origin.url("/img/p2.png")], source="ja", target="ko")
    settings = fake_server.state.store.jobs[job["job_id"]].settings
    assert (settings.source, settings.target) == ("ja", "ko")
    assert settings.translator == fake_server.state.settings.job.translator
    other = await submit(fake_server, [origin.url("/img/p2.png")], translator="none")
    assert fake_server.state.store.jobs[other["job_id"]].settings.translator.name == "none"


async def test_queue_full_is_503_with_retry_after(tmp_path: Path, origin: Origin) -> None:
    async with itp_server(tmp_path, gated_factory, max_backlog=2,
                          fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        await server.wait_ready()
        job = await submit(server, [origin.url(f"/img/p{i}.png") for i in range(3)])
        pipeline = cast(FakePipeline, server.pipeline)
        # Two images are all the backlog holds: the third waits to be downloaded.
        async with asyncio.timeout(HANG):
            while pipeline.backlog() < 2 or server.state.service.load.room.waiting < 1:
                await asyncio.sleep(0.01)
        async with server.client() as http:
            refused = await http.post("/v1/jobs", json={"images": [origin.url("/img/p4.png")]})
            upload = await http.post(f"/v1/jobs/{job['job_id']}/images",
                                     content=origin.images["p5.png"],
                                     headers={"Content-Type": "image/png"})
            metrics = (await http.get("/metrics")).text
    for response in (refused, upload):
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "queue_full"
        assert response.json()["error"]["retryable"] is True
    assert "itp_backlog_images 2" in metrics and "itp_fetching_images 1" in metrics
