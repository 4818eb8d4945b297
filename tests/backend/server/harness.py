"""Real servers on free ports for the tests: the itp server under uvicorn, an image origin
that insists on the page's Referer, and a small WebSocket client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from websockets.asyncio.client import ClientConnection, connect

from backend.server.app import PipelineFactory, create_app
from backend.server.config import ServerConfig
from backend.server.fetch import Resolver, system_resolver
from backend.server.runner import bind, serving
from backend.server.state import AppState
from workers.config import Settings, TranslatorSettings
from workers.pipeline.api import EventCallback, Pipeline

TOKEN = "test-token-5b2f0c1e9a"
REFERER = "https://comics.example/series/chapter-1"
EXTENSION_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
# Generous bound that only stops a hung test; no assertion depends on time.
HANG = 180.0


def default_settings(**changes: Any) -> Settings:
    base = Settings.build(download=False,
                          translator=TranslatorSettings(name="deterministic", latency_s=0.0))
    return base.with_(**changes) if changes else base


@dataclass
class Origin:
    """The comic site's image host."""

    base: str
    port: int
    images: dict[str, bytes]
    hits: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    # A request to /hold/... waits until this is set.
    hold: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def origin_app(origin: Origin, big: int) -> Starlette:
    async def image(request: Request) -> Response:
        name = request.path_params["name"]
        origin.hits.append((name, request.headers.get("referer"), request.headers.get("host")))
        if request.headers.get("referer") != REFERER:
            return PlainTextResponse("hotlinking refused", status_code=403)
        if name not in origin.images:
            return PlainTextResponse("no such image", status_code=404)
        kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
        return Response(origin.images[name], media_type=kind)

    async def hold(request: Request) -> Response:
        await origin.hold.wait()
        return await image(request)

    async def stream_big(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(big // 65536 + 2):
                yield b"\x89PNG" + b"\x00" * 65532

        return StreamingResponse(chunks(), media_type="image/png")

    async def declared_big(request: Request) -> Response:
        return Response(b"\x00" * (big + 1), media_type="image/png")

    async def redirect(request: Request) -> Response:
        return RedirectResponse(request.query_params["to"], status_code=302)

    async def loop(request: Request) -> Response:
        n = int(request.path_params["n"])
        return RedirectResponse(f"/loop/{n + 1}", status_code=302)

    return Starlette(routes=[
        Route("/img/{name}", image), Route("/hold/{name}", hold),
        Route("/big", stream_big), Route("/big-declared", declared_big),
        Route("/redirect", redirect), Route("/loop/{n}", loop),
    ])


@asynccontextmanager
async def origin_server(images: dict[str, bytes], *, big: int = 200_000) -> AsyncIterator[Origin]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    origin = Origin(f"http://127.0.0.1:{port}", port, images)
    async with serving(origin_app(origin, big), sock):
        yield origin
        origin.hold.set()


@dataclass
class ItpServer:
    base: str
    port: int
    app: Starlette
    pipelines: list[Pipeline]

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.itp
        return state

    @property
    def pipeline(self) -> Pipeline:
        return self.pipelines[-1]

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/v1/ws"

    def client(self, token: str | None = TOKEN, **headers: str) -> httpx.AsyncClient:
        sent = dict(headers)
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return httpx.AsyncClient(base_url=self.base, headers=sent, trust_env=False,
                                 timeout=HANG)

    async def wait_ready(self) -> None:
        async with self.client() as http, asyncio.timeout(HANG):
            while not (await http.get("/v1/health")).json()["ready"]:
                await asyncio.sleep(0.05)


@asynccontextmanager
async def itp_server(tmp: Path, factory: PipelineFactory, *, settings: Settings | None = None,
                     resolver: Resolver = system_resolver,
                     **config: Any) -> AsyncIterator[ItpServer]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    cfg = ServerConfig(port=port, cache_dir=tmp / "results").with_(**config)
    made: list[Pipeline] = []

    def capture(s: Settings, on_event: EventCallback) -> Pipeline:
        pipeline = factory(s, on_event)
        made.append(pipeline)
        return pipeline

    app = create_app(settings or default_settings(), cfg, TOKEN, capture, resolver=resolver)
    async with serving(app, sock):
        yield ItpServer(f"http://127.0.0.1:{port}", port, app, made)


class WsClient:
    """Reads server messages in order and keeps every event (messages with a seq)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.hello: dict[str, Any] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, server: ItpServer, *, token: str | None = TOKEN,
                   **hello: Any) -> AsyncIterator[WsClient]:
        async with connect(server.ws_url, proxy=None, open_timeout=HANG) as ws:
            client = cls(ws)
            if token is not None:
                await client.send({"type": "hello", "token": token, **hello})
                client.hello = await client.recv()
                assert client.hello["type"] == "hello", client.hello
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self) -> dict[str, Any]:
        async with asyncio.timeout(HANG):
            message: dict[str, Any] = json.loads(await self.ws.recv())
        self.messages.append(message)
        return message

    async def until(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            message = await self.recv()
            if done(message):
                return message

    async def until_terminal(self, image_ids: set[str]) -> dict[str, dict[str, Any]]:
        """Read until every one of these images has its done/error event."""
        final: dict[str, dict[str, Any]] = {}
        while not image_ids <= final.keys():
            message = await self.recv()
            if message.get("type") in ("done", "error") and message.get("image_id"):
                final[message["image_id"]] = message
        return final

    def events(self, job_id: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages if "seq" in m
                and (job_id is None or m.get("job_id") == job_id)]


async def submit(server: ItpServer, urls: list[str], referer: str = REFERER,
                 **extra: Any) -> dict[str, Any]:
    async with server.client() as http:
        response = await http.post("/v1/jobs", json={
            "images": [{"url": u, "referer": referer} for u in urls], **extra})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body
