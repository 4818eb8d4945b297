"""The broken-file corpus through a real server on the real pipeline: uploaded with
`POST /v1/jobs/{id}/images`, and fetched from an image host that lies about Content-Type and
Content-Encoding. Every image ends in a result of the right size or a coded error (an HTTP 4xx
at once, or an `error` event), the server logs no failure of its own, leaves no temp file in
its cache, and answers health as ok after each batch."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image

from tests.backend.server.harness import ItpServer, WsClient
from tests.hardening.corpus import OK, Case, corpus, mutants
from tests.hardening.support import (
    CONTENT_TYPES,
    Host,
    assert_healthy,
    check_outcomes,
    expected_size,
    follow_job,
    image_host,
    outcome_of,
    real_server,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              # Pillow warns about the corrupt files it is fed, which is the point.
              pytest.mark.filterwarnings("ignore::UserWarning")]
UPLOAD_TYPES = ("image/png", "image/jpeg", "application/octet-stream", "image/svg+xml",
                "image/webp; charset=binary")
FAST_MUTANTS = 40
SLOW_MUTANTS = 400


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def host() -> AsyncIterator[Host]:
    async with image_host([*corpus(), *mutants(1, FAST_MUTANTS)]) as served:
        yield served


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory,
                 host: Host) -> AsyncIterator[ItpServer]:
    async with real_server(tmp_path_factory.mktemp("itp"),
                           fetch_allow=(f"127.0.0.1:{host.port}",)) as running:
        yield running


def server_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors the server or the pipeline logged (a route's 500, a failed image task, a stage
    failing on an image, a broken WebSocket session): each one a bug, even when the client
    was told with a coded event."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
            and r.name.startswith(("itp", "workers", "backend", "uvicorn"))]


async def check_results(server: ItpServer, events: dict[str, dict[str, Any]],
                        cases: dict[str, Case]) -> list[str]:
    """Each `done` result is an image of the size its input decodes to."""
    wrong = []
    async with server.client() as http:
        for name, event in events.items():
            if event["type"] != "done":
                continue
            response = await http.get(event["result_url"])
            with Image.open(io.BytesIO(response.content)) as img:
                size = img.size
            if response.status_code != 200 or size != expected_size(cases[name]):
                wrong.append(f"{name}: HTTP {response.status_code}, {size}")
    return wrong


def leftovers(server: ItpServer) -> list[str]:
    return [p.name for p in server.state.cache.root.iterdir() if p.suffix == ".tmp"]


async def upload_all(server: ItpServer, host: Host, cases: list[Case]) -> list[str]:
    by_name = {c.name: c for c in cases}
    outcomes: dict[str, str] = {}
    events: dict[str, dict[str, Any]] = {}
    async with WsClient.open(server) as ws:
        job, _ = await follow_job(server, ws, [host.url("/c/png_rgb")])
        names: dict[str, str] = {}
        async with server.client() as http:
            for i, case in enumerate(cases):
                response = await http.post(
                    f"/v1/jobs/{job['job_id']}/images", content=case.data,
                    headers={"Content-Type": UPLOAD_TYPES[i % len(UPLOAD_TYPES)],
                             "X-Image-Url": f"https://comics.example/{case.name}"})
                if response.status_code == 202:
                    names[response.json()["image_id"]] = case.name
                    continue
                assert response.status_code in (413, 422), (case.name, response.text)
                outcomes[case.name] = response.json()["error"]["code"]
        final = await ws.until_terminal(set(names))
    for image_id, event in final.items():
        outcomes[names[image_id]] = outcome_of(event)
        events[names[image_id]] = event
    problems = check_outcomes(outcomes, by_name)
    return problems + await check_results(server, events, by_name)


async def test_corpus_uploaded(server: ItpServer, host: Host,
                               caplog: pytest.LogCaptureFixture) -> None:
    cases = [*corpus(), *mutants(1, FAST_MUTANTS)]
    assert await upload_all(server, host, cases) == []
    await assert_healthy(server)
    assert server_failures(caplog) == [] and leftovers(server) == []


async def test_corpus_fetched_with_lying_content_types(
        server: ItpServer, host: Host, caplog: pytest.LogCaptureFixture) -> None:
    cases = [*corpus(), *mutants(1, FAST_MUTANTS)]
    urls = {f"{host.url('/c/' + c.name)}?type={CONTENT_TYPES[i % len(CONTENT_TYPES)]}": c
            for i, c in enumerate(cases)}
    async with WsClient.open(server) as ws:
        job, final = await follow_job(server, ws, list(urls))
    names = {i["image_id"]: urls[i["url"]].name for i in job["images"]}
    outcomes = {names[i]: outcome_of(e) for i, e in final.items()}
    by_name = {c.name: c for c in cases}
    assert check_outcomes(outcomes, by_name) == []
    events = {names[i]: e for i, e in final.items()}
    assert await check_results(server, events, by_name) == []
    await assert_healthy(server)
    assert server_failures(caplog) == [] and leftovers(server) == []


async def test_content_encoding_bombs_stop_at_the_byte_cap(
        server: ItpServer, host: Host, caplog: pytest.LogCaptureFixture) -> None:
    expected = {"/bomb/gzip": "too_large", "/bomb/gzip2": "too_large",
                "/bomb/deflate": "too_large", "/bomb/broken": "fetch_failed",
                "/c/png_rgb?gzip=1": OK}
    async with WsClient.open(server) as ws:
        job, final = await follow_job(server, ws, [host.url(p) for p in expected])
    got = {i["url"].removeprefix(host.base): outcome_of(final[i["image_id"]])
           for i in job["images"]}
    assert got == expected
    await assert_healthy(server)
    assert server_failures(caplog) == []


@pytest.mark.slow
async def test_many_mutants_uploaded(server: ItpServer, host: Host,
                                     caplog: pytest.LogCaptureFixture) -> None:
    assert await upload_all(server, host, mutants(3, SLOW_MUTANTS)) == []
    await assert_healthy(server)
    assert server_failures(caplog) == [] and leftovers(server) == []
