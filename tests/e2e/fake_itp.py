"""A small stand-in for `itp serve` speaking DESIGN.md's `/v1` contract: the extension's wire
protocol (hello, subscribe with replay, fetch_failed and upload, results behind the token) can
be tested in seconds and without models. Its "translation" inverts the picture.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from PIL import Image, ImageOps
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


@dataclass
class FakeItp:
    token: str
    url: str = ""
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[str, bytes] = field(default_factory=dict)
    sockets: list[WebSocket] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    # Set by a test to cut every WebSocket after this many events were sent on it.
    drop_after: int | None = None
    # How long each image "translates": long enough for prioritize messages to matter.
    work_s: float = 0.5
    # The image URLs of each job, in the order the extension sent them.
    jobs: list[list[str]] = field(default_factory=list)
    seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # Strong references: the event loop keeps only weak ones to running tasks.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def _authorized(fake: FakeItp, request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {fake.token}"


def _invert(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data))
    img.load()
    out = io.BytesIO()
    ImageOps.invert(img.convert("RGB")).save(out, "PNG")
    return out.getvalue()


def build_app(fake: FakeItp) -> Starlette:
    def spawn(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        fake.tasks.add(task)
        task.add_done_callback(fake.tasks.discard)

    async def emit(job_id: str, image_id: str, url: str, kind: str, **extra: Any) -> None:
        event = {"seq": next(fake.seq), "type": kind, "job_id": job_id, "image_id": image_id,
                 "url": url, **extra}
        fake.events.setdefault(job_id, []).append(event)
        for ws in list(fake.sockets):
            if job_id in ws.state.subscribed:
                await _send(ws, event)

    async def _send(ws: WebSocket, event: dict[str, Any]) -> None:
        try:
            await ws.send_json(event)
            ws.state.sent += 1
            if fake.drop_after is not None and ws.state.sent >= fake.drop_after:
                fake.drop_after = None
                await ws.close(1012, "restarting")
        except Exception:  # noqa: BLE001 - a closed socket just misses the event
            pass

    async def process(job_id: str, image_id: str, url: str, data: bytes) -> None:
        await emit(job_id, image_id, url, "progress", stage="ocr")
        await asyncio.sleep(fake.work_s)
        try:
            fake.results[image_id] = _invert(data)
        except Exception as exc:  # noqa: BLE001 - any undecodable input is a bad image
            await emit(job_id, image_id, url, "error", code="bad_image", message=str(exc),
                       retryable=False)
            return
        await emit(job_id, image_id, url, "done", result_url=f"/v1/results/{image_id}",
                   cached=False)

    async def fetch_and_process(job_id: str, image_id: str, url: str, referer: str) -> None:
        await emit(job_id, image_id, url, "queued", position=0)
        async with httpx.AsyncClient() as client:
            response = await client.get(url, headers={"Referer": referer})
        if response.status_code != 200:
            await emit(job_id, image_id, url, "error", code="fetch_failed",
                       message=f"HTTP {response.status_code}", retryable=True)
            return
        await process(job_id, image_id, url, response.content)

    async def jobs(request: Request) -> Response:
        if not _authorized(fake, request):
            return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, 401)
        body = await request.json()
        job_id = f"job{next(fake.ids)}"
        fake.jobs.append([item["url"] for item in body["images"]])
        images = []
        for item in body["images"]:
            image_id = f"img{next(fake.ids)}"
            images.append({"image_id": image_id, "url": item["url"]})
            spawn(fetch_and_process(job_id, image_id, item["url"], item.get("referer", "")))
        fake.events.setdefault(job_id, [])
        return JSONResponse({"job_id": job_id, "images": images}, 202)

    async def upload(request: Request) -> Response:
        if not _authorized(fake, request):
            return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, 401)
        job_id = request.path_params["job_id"]
        url = request.headers["x-image-url"]
        fake.uploads.append(url)
        image_id = f"img{next(fake.ids)}"
        spawn(process(job_id, image_id, url, await request.body()))
        return JSONResponse({"image_id": image_id})

    async def result(request: Request) -> Response:
        if not _authorized(fake, request):
            return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, 401)
        data = fake.results.get(request.path_params["image_id"])
        if data is None:
            return JSONResponse({"error": {"code": "not_found", "message": "no"}}, 404)
        return Response(data, media_type="image/png")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "fake": True})

    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        ws.state.subscribed = set()
        ws.state.sent = 0
        try:
            hello = await ws.receive_json()
            if hello.get("type") != "hello" or hello.get("token") != fake.token:
                await ws.close(4401, "unauthorized")
                return
            fake.sockets.append(ws)
            while True:
                msg = await ws.receive_json()
                fake.received.append(msg)
                if msg.get("type") == "subscribe":
                    ws.state.subscribed.add(msg["job_id"])
                    for event in list(fake.events.get(msg["job_id"], [])):
                        if event["seq"] > msg.get("last_seq", 0):
                            await _send(ws, event)
        except WebSocketDisconnect:
            pass
        finally:
            if ws in fake.sockets:
                fake.sockets.remove(ws)

    return Starlette(routes=[
        Route("/v1/health", health),
        Route("/v1/jobs", jobs, methods=["POST"]),
        Route("/v1/jobs/{job_id}/images", upload, methods=["POST"]),
        Route("/v1/results/{image_id}", result),
        WebSocketRoute("/v1/ws", ws_endpoint),
    ])


@contextmanager
def serve_fake(token: str) -> Iterator[FakeItp]:
    fake = FakeItp(token=token)
    config = uvicorn.Config(build_app(fake), host="127.0.0.1", port=0, log_level="warning",
                            ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake itp server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
