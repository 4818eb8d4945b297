"""What the hardening suites share: a hostile image host, a canary listener that notices any
connection made to it, a resolver that never leaves the machine, servers on the real and the
fake pipeline, and the bookkeeping that turns events into outcomes."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import threading
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from backend.server.app import PipelineFactory
from backend.server.netpolicy import IPAddress
from backend.server.runner import bind, serving
from tests.backend.server.conftest import fake_factory
from tests.backend.server.harness import (
    HANG,
    ItpServer,
    WsClient,
    default_settings,
    itp_server,
)
from tests.hardening.corpus import OK, Case
from workers.config import Limits, Settings
from workers.errors import ItpError
from workers.imageio import decode_image

# The server's byte cap in these suites: small, so the bombs below are quick to make.
MAX_BYTES = 2 * 1024 * 1024
# Decoded size of the compression bombs: far over every cap, including the CLI's 50 MB.
BOMB_BYTES = 80 * 1024 * 1024
TRICKLE_INTERVAL_S = 0.2
# A trickling or stalling host gives up by itself after this long, so no test can leave a
# response streaming forever.
HOST_PATIENCE_S = 60.0
CONTENT_TYPES = ("image/png", "image/jpeg", "text/html", "application/octet-stream",
                 "image/svg+xml", "none")


def hardening_settings(**changes: Any) -> Settings:
    """The deterministic translator without latency and the OpenCV inpainter: the real
    pipeline, nothing downloaded, nothing slept."""
    base = default_settings(inpainter="opencv", limits=Limits(max_bytes=MAX_BYTES))
    return base.with_(**changes) if changes else base


def embedded_factory() -> PipelineFactory:
    from backend.cmd_serve import embedded_pipeline

    return embedded_pipeline


@asynccontextmanager
async def real_server(tmp: Path, **config: Any) -> AsyncIterator[ItpServer]:
    async with itp_server(tmp, embedded_factory(), settings=hardening_settings(),
                          resolver=offline_resolver, **config) as server:
        await server.wait_ready()
        yield server


@asynccontextmanager
async def fake_server(tmp: Path, **config: Any) -> AsyncIterator[ItpServer]:
    async with itp_server(tmp, fake_factory, settings=hardening_settings(),
                          resolver=offline_resolver, **config) as server:
        await server.wait_ready()
        yield server


@contextmanager
def in_thread(make: Callable[[], AbstractAsyncContextManager[ItpServer]]) -> Iterator[ItpServer]:
    """A server on an event loop of its own thread, for clients that block (schemathesis
    calls the API with `requests`)."""
    loop = asyncio.new_event_loop()
    ready: list[ItpServer] = []
    started = threading.Event()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    async def main() -> None:
        try:
            async with make() as server:
                ready.append(server)
                started.set()
                await stop.wait()
        except BaseException as exc:
            failure.append(exc)
            raise
        finally:
            started.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(HANG)
    try:
        if not ready:
            raise RuntimeError(f"the server did not start: {failure!r}")
        yield ready[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(HANG)
        loop.close()


async def offline_resolver(host: str, port: int) -> list[IPAddress]:
    """Numeric spellings (decimal, octal, hex, short, IPv6) resolve as the system resolver
    would, without a DNS query; every name resolves to loopback, as an attacker's domain
    pointed at 127.0.0.1 would."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return [ipaddress.ip_address("127.0.0.1")]
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


# -- a listener that must never be reached -----------------------------------------------


@dataclass
class Canary:
    port: int
    connections: list[str] = field(default_factory=list)


@asynccontextmanager
async def canary() -> AsyncIterator[Canary]:
    """Listens on 127.0.0.1 and, where it can, [::1] at the same port; records every
    connection. The hostile tests aim their SSRF attempts here."""
    found = Canary(0)

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        found.connections.append(str(writer.get_extra_info("peername")))
        writer.close()

    v4 = await asyncio.start_server(record, "127.0.0.1", 0)
    found.port = v4.sockets[0].getsockname()[1]
    servers = [v4]
    with suppress(OSError):
        servers.append(await asyncio.start_server(record, "::1", found.port))
    try:
        yield found
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


# -- the image host ----------------------------------------------------------------------


@cache
def gzip_bomb(layers: int = 1) -> bytes:
    data = gzip.compress(b"\x00" * BOMB_BYTES, compresslevel=9)
    for _ in range(layers - 1):
        data = gzip.compress(data, compresslevel=9)
    return data


@cache
def deflate_bomb() -> bytes:
    return zlib.compress(b"\x00" * BOMB_BYTES, 9)


@dataclass
class Host:
    base: str
    port: int
    cases: dict[str, Case]
    hits: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def host_app(host: Host) -> Starlette:
    async def case(request: Request) -> Response:
        host.hits += 1
        found = host.cases.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("no such case", status_code=404)
        kind = request.query_params.get("type", "image/png")
        response = Response(found.data)
        if kind != "none":
            response.headers["content-type"] = kind
        if request.query_params.get("gzip"):
            response = Response(gzip.compress(found.data), media_type=kind,
                                headers={"content-encoding": "gzip"})
        return response

    async def bomb(request: Request) -> Response:
        host.hits += 1
        kind = request.path_params["kind"]
        if kind == "deflate":
            return Response(deflate_bomb(), media_type="image/png",
                            headers={"content-encoding": "deflate"})
        if kind == "gzip2":
            return Response(gzip_bomb(2), media_type="image/png",
                            headers={"content-encoding": "gzip, gzip"})
        if kind == "broken":
            return Response(b"\x1f\x8b\x08\x00not gzip at all", media_type="image/png",
                            headers={"content-encoding": "gzip"})
        return Response(gzip_bomb(), media_type="image/png",
                        headers={"content-encoding": "gzip"})

    async def trickle(request: Request) -> Response:
        """One byte of a PNG every TRICKLE_INTERVAL_S: slowloris from the other side."""
        host.hits += 1

        async def drip() -> AsyncIterator[bytes]:
            for _ in range(int(HOST_PATIENCE_S / TRICKLE_INTERVAL_S)):
                yield b"\x89"
                await asyncio.sleep(TRICKLE_INTERVAL_S)

        return StreamingResponse(drip(), media_type="image/png")

    async def stall(request: Request) -> Response:
        host.hits += 1
        await asyncio.sleep(HOST_PATIENCE_S)
        return PlainTextResponse("too late")

    async def redirect(request: Request) -> Response:
        host.hits += 1
        code = int(request.query_params.get("code", "302"))
        return RedirectResponse(request.query_params["to"], status_code=code)

    return Starlette(routes=[
        Route("/c/{name}", case), Route("/bomb/{kind}", bomb), Route("/trickle", trickle),
        Route("/stall", stall), Route("/redirect", redirect),
    ])


@asynccontextmanager
async def image_host(cases: Iterable[Case] = ()) -> AsyncIterator[Host]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    host = Host(f"http://127.0.0.1:{port}", port, {c.name: c for c in cases})
    async with serving(host_app(host), sock) as server:
        yield host
        # Streams still dripping to a client that gave up end with the server.
        server.force_exit = True


# -- outcomes ----------------------------------------------------------------------------


def outcome_of(event: dict[str, Any]) -> str:
    return OK if event["type"] == "done" else str(event["code"])


def expected_size(case: Case) -> tuple[int, int] | None:
    """The size a correct result of `case` has: the declared one, else what the decoder
    makes of the bytes (None when it refuses them)."""
    if case.size is not None:
        return case.size
    try:
        image = decode_image(case.data, Limits(max_bytes=1 << 30))
    except ItpError:
        return None
    return image.shape[1], image.shape[0]


def check_outcomes(outcomes: dict[str, str], cases: dict[str, Case]) -> list[str]:
    """One line per case whose outcome is not one its file allows."""
    wrong = []
    for name, case in cases.items():
        got = outcomes.get(name, "missing")
        if got not in case.allowed:
            wrong.append(f"{name}: {got}, allowed {sorted(case.allowed)}")
    return wrong


async def assert_healthy(server: ItpServer, *, idle: bool = True) -> dict[str, Any]:
    """The server answers health as ok; with `idle`, once its backlog has drained."""
    async with server.client() as http, asyncio.timeout(HANG):
        while True:
            response = await http.get("/v1/health")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert body["status"] == "ok", body
            if not idle or (body["backlog"] == 0 and server.state.service.fetching == 0):
                return body
            await asyncio.sleep(0.05)


async def follow_job(server: ItpServer, ws: WsClient, urls: list[str],
                     referer: str = "") -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Posts a job on `ws`'s session and waits for each image's terminal event."""
    async with server.client() as http:
        response = await http.post("/v1/jobs", json={
            "images": [{"url": u, "referer": referer} for u in urls],
            "session": ws.hello["session"]})
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    final = await ws.until_terminal({i["image_id"] for i in job["images"]})
    return job, final
