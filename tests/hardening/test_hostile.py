"""Hostile clients and hostile image hosts, beyond what tests/backend/server/test_security.py
and test_fetch.py already try: every request here is refused, and no SSRF attempt reaches the
canary listener it aims at.

Covered elsewhere, so not repeated: a foreign Origin on HTTP and WS, Host names evil.example /
localhost. / 127.0.0.2 / a wrong port, a missing or wrong token on every route, ten wrong
tokens then 429, decimal 2130706433, 0x7f.1, [::ffff:127.0.0.1], file:, ftp:, gopher: and
private targets of a redirect.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tests.backend.server.harness import TOKEN, ItpServer, WsClient
from tests.hardening.support import (
    Canary,
    Host,
    assert_healthy,
    canary,
    fake_server,
    follow_job,
    image_host,
    outcome_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
FETCH_TIMEOUT_S = 2.0
REFUSED = {"fetch_blocked", "fetch_failed"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def trap() -> AsyncIterator[Canary]:
    async with canary() as listening:
        yield listening


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def host() -> AsyncIterator[Host]:
    async with image_host() as served:
        yield served


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory,
                 host: Host) -> AsyncIterator[ItpServer]:
    async with fake_server(tmp_path_factory.mktemp("hostile"),
                           fetch_allow=(f"127.0.0.1:{host.port}",),
                           fetch_timeout_s=FETCH_TIMEOUT_S) as running:
        yield running


async def raw_status(server: ItpServer, request: bytes) -> bytes:
    """Sends bytes as they are (no client fixing them up); the status line's code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(30):
            line = await reader.readline()
    finally:
        writer.close()
    return line.split()[1] if line else b"closed"


# -- cross-site WebSocket hijacking ---------------------------------------------------------

FOREIGN_ORIGINS = ["null", "http://localhost:3000", "http://127.0.0.1",
                   "chrome-extension://", "chrome-extension://abc/../evil",
                   "https://chrome-extension.evil.example",
                   "moz-extension://x y", "file://", "https://evil.example, chrome-extension://a"]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_websocket_from_a_foreign_origin_is_refused_even_with_the_token(
        server: ItpServer, origin: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server.ws_url, proxy=None, origin=Origin(origin),
                               additional_headers=headers):
                pass
        assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS[:4])
async def test_private_network_preflight_from_a_page_is_refused(server: ItpServer,
                                                                origin: str) -> None:
    async with server.client(Origin=origin) as http:
        response = await http.options("/v1/jobs", headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Private-Network": "true"})
    assert response.status_code == 403
    assert "access-control-allow-private-network" not in response.headers
    assert "access-control-allow-origin" not in response.headers


# -- DNS rebinding: Host spellings --------------------------------------------------------

REBOUND_HOSTS = ["127.0.0.1.nip.io:{port}", "127.1:{port}", "2130706433:{port}",
                 "0x7f000001:{port}", "0177.0.0.1:{port}", "[::ffff:127.0.0.1]:{port}",
                 "localhost:{port}.evil.example", "evil@127.0.0.1:{port}",
                 "127.0.0.1:0{port}", "LOCALHOST.:{port}", ""]


@pytest.mark.parametrize("spelled", REBOUND_HOSTS)
async def test_rebound_host_spellings_are_misdirected(server: ItpServer, spelled: str) -> None:
    value = spelled.format(port=server.port)
    request = (f"GET /v1/health HTTP/1.1\r\nHost: {value}\r\n"
               f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n").encode()
    assert await raw_status(server, request) in (b"421", b"400")


async def test_request_without_host_or_with_two_is_refused(server: ItpServer) -> None:
    bare = b"GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n"
    twice = (f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nHost: evil.example"
             f"\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n").encode()
    assert await raw_status(server, bare) == b"421"
    assert await raw_status(server, twice) in (b"421", b"400")


# -- the token ----------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [
    f"Basic {TOKEN}", f"Token {TOKEN}", f"Bearer{TOKEN}", f"Bearer {TOKEN[:-1]}",
    f"Bearer {TOKEN}x", f"Bearer {TOKEN.upper()}", "Bearer", f"{TOKEN}"])
async def test_malformed_authorization_is_refused(server: ItpServer, authorization: str) -> None:
    async with server.client(token=None, Authorization=authorization) as http:
        response = await http.get("/metrics")
    assert response.status_code == 401


async def test_token_in_the_query_or_a_cookie_is_not_accepted(server: ItpServer) -> None:
    async with server.client(token=None) as http:
        query = await http.get("/metrics", params={"token": TOKEN, "access_token": TOKEN})
        cookie = await http.get("/metrics", headers={"Cookie": f"token={TOKEN}"})
    assert query.status_code == 401 and cookie.status_code == 401


async def test_websocket_token_in_subprotocol_or_url_is_not_accepted(server: ItpServer) -> None:
    for url in (f"{server.ws_url}?token={TOKEN}", server.ws_url):
        async with connect(url, proxy=None) as ws:
            await ws.send(json.dumps({"type": "subscribe", "job_id": "x", "token": TOKEN}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_brute_force_over_websocket_hellos_is_limited(tmp_path: Path) -> None:
    """Guesses in WS hellos count against the same limit as HTTP ones; afterwards even the
    right token is refused from that address, over HTTP too."""
    async with fake_server(tmp_path) as fresh:
        codes = []
        for i in range(12):
            async with connect(fresh.ws_url, proxy=None) as ws:
                await ws.send(json.dumps({"type": "hello", "token": f"guess-{i}"}))
                with pytest.raises(ConnectionClosed) as closed:
                    await ws.recv()
            assert closed.value.rcvd is not None
            codes.append((closed.value.rcvd.code, closed.value.rcvd.reason))
        async with fresh.client() as http:
            right = await http.get("/metrics")
    assert all(code == 1008 for code, _ in codes)
    assert [reason for _, reason in codes[10:]] == ["too many wrong tokens"] * 2
    assert right.status_code == 429


async def test_parallel_brute_force_gets_no_more_guesses(tmp_path: Path) -> None:
    """200 wrong tokens at once: at most the limit (10) are even checked, the rest are 429."""
    async with fake_server(tmp_path) as fresh:
        async with fresh.client(token=None) as http:
            answers = await asyncio.gather(*(
                http.get("/metrics", headers={"Authorization": f"Bearer guess-{i}"})
                for i in range(200)))
        statuses = [a.status_code for a in answers]
        await assert_healthy(fresh)
    assert statuses.count(401) <= fresh.state.config.max_auth_failures
    assert statuses.count(429) >= 200 - fresh.state.config.max_auth_failures
    assert set(statuses) <= {401, 429}


# -- SSRF ---------------------------------------------------------------------------------

SSRF_URLS = [
    "http://127.0.0.1:{c}/", "http://localhost:{c}/", "http://LOCALHOST.:{c}/",
    "http://2130706433:{c}/", "http://0x7f000001:{c}/", "http://0177.0.0.1:{c}/",
    "http://127.1:{c}/", "http://127.000.000.001:{c}/", "http://0:{c}/", "http://0.0.0.0:{c}/",
    "http://[::1]:{c}/", "http://[::]:{c}/", "http://[::ffff:7f00:1]:{c}/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{c}/", "http://[::127.0.0.1]:{c}/",
    "http://[64:ff9b::7f00:1]:{c}/", "http://[2002:7f00:1::]:{c}/",
    "http://%31%32%37.0.0.1:{c}/", "http://example.com@127.0.0.1:{c}/",
    "http://127.0.0.1:{c}#@example.com/", "http://example.com\\@127.0.0.1:{c}/",
    "http://rebind.attacker.example:{c}/", "HTTP://127.0.0.1:{c}/",
    "http://127.0.0.1:{c}/%2e%2e/", "https://127.0.0.1:{c}/",
    "gopher://127.0.0.1:{c}/_GET%20/", "dict://127.0.0.1:{c}/info", "ldap://127.0.0.1:{c}/",
    "file://127.0.0.1/etc/passwd", "file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=",
    "javascript:fetch('http://127.0.0.1:{c}/')", "//127.0.0.1:{c}/", "127.0.0.1:{c}",
    "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/", "http://100.64.0.1/",
]


async def test_ssrf_spellings_are_refused_and_never_connect(server: ItpServer,
                                                            trap: Canary) -> None:
    urls = [u.format(c=trap.port) for u in SSRF_URLS]
    async with WsClient.open(server) as ws:
        job, final = await follow_job(server, ws, urls)
    got = {i["url"]: outcome_of(final[i["image_id"]]) for i in job["images"]}
    assert {u: o for u, o in got.items() if o not in REFUSED} == {}
    assert trap.connections == []
    await assert_healthy(server)


REDIRECT_TARGETS = [
    "http://127.0.0.1:{c}/", "http://2130706433:{c}/", "http://0x7f000001:{c}/",
    "http://[::ffff:127.0.0.1]:{c}/", "http://[::1]:{c}/", "http://localhost:{c}/",
    "//127.0.0.1:{c}/", "/\\127.0.0.1:{c}/", "http://127.0.0.1:{h}@127.0.0.1:{c}/",
    "file:///etc/passwd", "gopher://127.0.0.1:{c}/", "http://169.254.169.254/",
    "http://127.0.0.1:{h}/redirect?to=http://127.0.0.1:{c}/",
]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_to_the_canary_are_refused(server: ItpServer, host: Host, trap: Canary,
                                                   status: int) -> None:
    urls = [host.url(f"/redirect?code={status}&to=") + t.format(c=trap.port, h=host.port)
            for t in REDIRECT_TARGETS]
    async with WsClient.open(server) as ws:
        job, final = await follow_job(server, ws, urls)
    got = {i["url"]: outcome_of(final[i["image_id"]]) for i in job["images"]}
    assert {u: o for u, o in got.items() if o not in REFUSED} == {}
    assert trap.connections == []


# -- slowloris from the image host ---------------------------------------------------------

@pytest.mark.parametrize("path", ["/trickle", "/stall"])
async def test_a_slow_image_host_is_cut_off(server: ItpServer, host: Host, path: str) -> None:
    """A host that trickles a byte at a time, or sends nothing: the fetch ends with
    fetch_failed at the server's fetch timeout, and the server answers meanwhile."""
    started = time.monotonic()
    async with WsClient.open(server) as ws:
        pending = asyncio.create_task(follow_job(server, ws, [host.url(path)]))
        await assert_healthy(server, idle=False)
        _, final = await pending
    spent = time.monotonic() - started
    event = next(iter(final.values()))
    assert event["code"] == "fetch_failed" and "timed out" in event["message"]
    assert spent < FETCH_TIMEOUT_S + 5


async def test_many_slow_hosts_do_not_block_other_images(server: ItpServer,
                                                         host: Host) -> None:
    """Slow downloads fill every fetch slot; a good image behind them still finishes, one
    fetch timeout later at most."""
    slots = server.state.config.fetch_concurrency
    urls = [host.url("/trickle")] * (slots * 2) + [host.url("/c/missing")]
    async with WsClient.open(server) as ws:
        job, final = await follow_job(server, ws, urls)
    outcomes = [outcome_of(final[i["image_id"]]) for i in job["images"]]
    assert outcomes == ["fetch_failed"] * len(urls)
    await assert_healthy(server)


# -- oversized and garbled requests to the server itself ------------------------------------

@pytest.mark.parametrize("request_bytes", [
    b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Pad: " + b"a" * 200_000
    + b"\r\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n",
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,
])
async def test_oversized_or_garbled_requests_do_no_harm(server: ItpServer,
                                                        request_bytes: bytes) -> None:
    """Refused by the HTTP layer or answered like any request (these carry no token): never a
    5xx, and the server goes on."""
    status = await raw_status(server, request_bytes.replace(b"{port}",
                                                            str(server.port).encode()))
    assert status in (b"200", b"400", b"401", b"404", b"421", b"431", b"closed")
    await assert_healthy(server)
