"""Refusals in front of every route: token, Origin, Host, and token guessing."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from backend.server.auth import AccessPolicy
from backend.server.tokens import TokenGuard, load_or_create_token
from tests.backend.server.conftest import fake_factory
from tests.backend.server.harness import EXTENSION_ORIGIN, TOKEN, ItpServer, itp_server

ROUTES = [("GET", "/metrics"), ("GET", "/v1/openapi.json"), ("POST", "/v1/jobs"),
          ("GET", "/v1/results/abc"), ("GET", "/v1/jobs/abc"),
          ("POST", "/v1/jobs/abc/images")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_routes_need_the_token(fake_server: ItpServer, method: str, path: str) -> None:
    async with fake_server.client(token=None) as http:
        missing = await http.request(method, path)
    async with fake_server.client(token="not-the-token") as http:
        wrong = await http.request(method, path)
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_health_needs_no_token_and_tells_nothing_secret(fake_server: ItpServer) -> None:
    async with fake_server.client(token=None) as http:
        response = await http.get("/v1/health")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"status", "ready", "version", "backlog"}
    assert body["status"] == "ok" and body["ready"] is True


async def test_websocket_without_token_is_closed_1008(fake_server: ItpServer) -> None:
    assert await hello_close_code(fake_server, None) == 1008
    assert await hello_close_code(fake_server, "wrong") == 1008
    with pytest.raises(InvalidStatus) as refused:
        async with connect(fake_server.ws_url, proxy=None,
                           additional_headers={"Authorization": "Bearer wrong"}):
            pass
    assert refused.value.response.status_code == 401


async def test_foreign_origin_is_refused(fake_server: ItpServer) -> None:
    async with fake_server.client(Origin="https://evil.example") as http:
        response = await http.get("/metrics")
        preflight = await http.options("/v1/jobs", headers={
            "Access-Control-Request-Method": "POST"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_origin"
    assert "access-control-allow-origin" not in response.headers
    assert preflight.status_code == 403
    with pytest.raises(InvalidStatus) as refused:
        async with connect(fake_server.ws_url, proxy=None, origin=Origin("https://evil.example")):
            pass
    assert refused.value.response.status_code == 403


async def test_extension_origin_gets_cors_answers(fake_server: ItpServer) -> None:
    async with fake_server.client(Origin=EXTENSION_ORIGIN) as http:
        response = await http.get("/metrics")
        preflight = await http.options("/v1/jobs", headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
            "Access-Control-Request-Private-Network": "true"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == EXTENSION_ORIGIN
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == EXTENSION_ORIGIN
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert preflight.headers["access-control-allow-private-network"] == "true"
    assert preflight.headers.get("access-control-allow-origin") != "*"
    async with connect(fake_server.ws_url, proxy=None, origin=Origin(EXTENSION_ORIGIN)) as ws:
        await ws.send(f'{{"type": "hello", "token": "{TOKEN}"}}')
        assert '"hello"' in str(await ws.recv())


async def test_configured_origin_is_allowed(tmp_path: Path) -> None:
    async with itp_server(tmp_path, fake_factory,
                          allowed_origins=("http://localhost:3000",)) as server:
        async with server.client(Origin="http://localhost:3000") as http:
            ok = await http.get("/metrics")
        async with server.client(Origin="http://localhost:3001") as http:
            refused = await http.get("/metrics")
    assert ok.status_code == 200 and refused.status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1",
                                  "localhost.:{port}", "127.0.0.2:{port}"])
async def test_foreign_host_is_refused(fake_server: ItpServer, host: str) -> None:
    async with fake_server.client(Host=host.format(port=fake_server.port)) as http:
        health = await http.get("/v1/health")
        jobs = await http.post("/v1/jobs", json={"images": []})
    for response in (health, jobs):
        assert response.status_code == 421
        assert response.json()["error"]["code"] == "misdirected"


async def test_loopback_names_are_accepted(fake_server: ItpServer) -> None:
    for host in ("localhost", "127.0.0.1", "[::1]"):
        async with fake_server.client(Host=f"{host}:{fake_server.port}") as http:
            assert (await http.get("/metrics")).status_code == 200


async def test_websocket_handshake_with_foreign_host_is_refused(fake_server: ItpServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", fake_server.port)
    writer.write(b"GET /v1/ws HTTP/1.1\r\nHost: rebound.example:%d\r\n"
                 b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n" % fake_server.port)
    await writer.drain()
    status = await reader.readline()
    writer.close()
    assert status.split()[1] == b"421"


async def test_token_guessing_is_rate_limited(fake_server: ItpServer) -> None:
    async with fake_server.client(token="guess") as http:
        answers = [(await http.get("/metrics")).status_code for _ in range(10)]
        limited = await http.get("/metrics")
    async with fake_server.client() as http:
        even_right = await http.get("/metrics")
    assert answers == [401] * 10
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == {"code": "rate_limited", "retryable": True,
                                       "message": limited.json()["error"]["message"]}
    assert even_right.status_code == 429
    assert await hello_close_code(fake_server, TOKEN) == 1008


async def hello_close_code(server: ItpServer, token: str | None) -> int:
    """Sends hello (with `token` when given); the code the server closes the socket with."""
    hello = {"type": "hello"} if token is None else {"type": "hello", "token": token}
    async with connect(server.ws_url, proxy=None) as ws:
        await ws.send(json.dumps(hello))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_guard_forgets_failures_after_the_window() -> None:
    now = [0.0]
    guard = TokenGuard("secret", max_failures=2, window_s=60.0, clock=lambda: now[0])
    assert guard.check("a", "x") == "bad"
    assert guard.check("a", "y") == "bad"
    assert guard.check("a", "secret") == "limited"
    assert guard.check("b", "secret") == "ok"
    assert guard.check("a", None) == "limited"
    now[0] = 61.0
    assert guard.check("a", "secret") == "ok"
    assert guard.check("a", "ünïcode") == "bad"


def test_token_file_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_token(tmp_path / "cfg")
    path = tmp_path / "cfg" / "token"
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_token(tmp_path / "cfg") == first
    os.chmod(path, 0o644)
    assert load_or_create_token(tmp_path / "cfg") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_access_policy_names() -> None:
    policy = AccessPolicy(port=8765, extra_hosts=("nas.lan", "box:9000"),
                          extra_origins=("https://reader.example/",))
    assert policy.host_ok("LOCALHOST:8765") and policy.host_ok("nas.lan:8765")
    assert policy.host_ok("box:9000") and not policy.host_ok("box:8765")
    assert not policy.host_ok(None) and not policy.host_ok("localhost")
    assert policy.origin_ok("moz-extension://0d3c6a0e-2b7e-4e8f-9c1a-8a7f6e5d4c3b")
    assert policy.origin_ok("https://reader.example")
    assert not policy.origin_ok("chrome-extension://")
    assert not policy.origin_ok("chrome-extension://abc/../x")
    assert not policy.origin_ok("null")
