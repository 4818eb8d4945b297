"""A small stand-in for `itp serve` speaking DESIGN.md's `/v1` contract: the extension's wire
protocol (hello, subscribe with replay, fetch_failed and upload, cancel, results behind the
token) can be tested in seconds and without models. Its "translation" inverts the picture.

Like the real server it downloads each URL with the job's Referer, refuses what it may not
fetch (other schemes than http(s), hosts in `blocked_hosts`) with `fetch_blocked`, and takes an
upload whose X-Image-Url names an image of the job as that image (same image id).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


@dataclass
class FakeImage:
    image_id: str
    url: str
    status: str = "fetching"


@dataclass
class FakeItp:
    token: str
    url: str = ""
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[str, bytes] = field(default_factory=dict)
    # The bytes each image was translated from (downloaded or uploaded).
    inputs: dict[str, bytes] = field(default_factory=dict)
    sockets: list[WebSocket] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    # Uploads being received at once, and the most there ever were.
    uploading: int = 0
    most_uploading: int = 0
    # How long the body of an upload takes to arrive: long enough for uploads to overlap.
    upload_s: float = 0.0
    # Hosts the server may not download from (a network it is not allowed to reach).
    blocked_hosts: tuple[str, ...] = ()
    # Set by a test to cut every WebSocket after this many events were sent on it.
    drop_after: int | None = None
    # How long each image "translates": long enough for prioritize messages to matter.
    work_s: float = 0.5
    # The image URLs of each job, in the order the extension sent them.
    jobs: list[list[str]] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    images: dict[str, dict[str, FakeImage]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
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


def _unauthorized() -> Response:
    return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, 401)


def build_app(fake: FakeItp) -> Starlette:
    # A few downloads at a time, as the real server does.
    fetching = asyncio.Semaphore(8)

    def spawn(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        fake.tasks.add(task)
        task.add_done_callback(fake.tasks.discard)

    async def emit(job_id: str, image: FakeImage, kind: str, **extra: Any) -> None:
        if kind in ("done", "error"):
            image.status = "done" if kind == "done" else "failed"
        event = {"seq": next(fake.seq), "type": kind, "job_id": job_id,
                 "image_id": image.image_id, "url": image.url, **extra}
        fake.events.setdefault(job_id, []).append(event)
        for ws in list(fake.sockets):
            if job_id in ws.state.subscribed:
                await _send(ws, event)

    async def _send(ws: WebSocket, event: dict[str, Any]) -> None:
        # A closed socket just misses the event (the client resubscribes with last_seq).
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await ws.send_json(event)
            ws.state.sent += 1
            if fake.drop_after is not None and ws.state.sent >= fake.drop_after:
                fake.drop_after = None
                await ws.close(1012, "restarting")

    async def process(job_id: str, image: FakeImage, data: bytes) -> None:
        image.status = "running"
        await emit(job_id, image, "progress", stage="ocr")
        await asyncio.sleep(fake.work_s)
        if job_id in fake.cancelled:
            return
        try:
            fake.results[image.image_id] = _invert(data)
        except (UnidentifiedImageError, OSError) as exc:
            await emit(job_id, image, "error", code="bad_image", message=str(exc),
                       retryable=False)
            return
        fake.inputs[image.image_id] = data
        await emit(job_id, image, "done", result_url=f"/v1/results/{image.image_id}",
                   cached=False)

    async def fetch_and_process(job_id: str, image: FakeImage, referer: str) -> None:
        await emit(job_id, image, "queued", position=0)
        parts = urlsplit(image.url)
        if parts.scheme not in ("http", "https") or parts.hostname in fake.blocked_hosts:
            await emit(job_id, image, "error", code="fetch_blocked",
                       message=f"not allowed to fetch {image.url[:80]}", retryable=False)
            return
        try:
            async with fetching, httpx.AsyncClient() as client:
                response = await client.get(image.url, headers={"Referer": referer})
        except httpx.HTTPError as exc:
            await emit(job_id, image, "error", code="fetch_failed", message=str(exc),
                       retryable=True)
            return
        if response.status_code != 200:
            await emit(job_id, image, "error", code="fetch_failed",
                       message=f"HTTP {response.status_code}", retryable=True)
            return
        await process(job_id, image, response.content)

    async def jobs(request: Request) -> Response:
        if not _authorized(fake, request):
            return _unauthorized()
        body = await request.json()
        job_id = f"job{next(fake.ids)}"
        fake.jobs.append([item["url"] for item in body["images"]])
        fake.job_ids.append(job_id)
        fake.events.setdefault(job_id, [])
        table = fake.images.setdefault(job_id, {})
        answer = []
        for item in body["images"]:
            image = FakeImage(f"img{next(fake.ids)}", item["url"])
            table[image.image_id] = image
            answer.append({"image_id": image.image_id, "url": image.url})
            spawn(fetch_and_process(job_id, image, item.get("referer", "")))
        return JSONResponse({"job_id": job_id, "images": answer}, 202)

    async def upload(request: Request) -> Response:
        if not _authorized(fake, request):
            return _unauthorized()
        job_id = request.path_params["job_id"]
        url = request.headers["x-image-url"]
        fake.uploading += 1
        fake.most_uploading = max(fake.most_uploading, fake.uploading)
        try:
            await asyncio.sleep(fake.upload_s)
            data = await request.body()
        finally:
            fake.uploading -= 1
        fake.uploads.append(url)
        table = fake.images.setdefault(job_id, {})
        image = next((i for i in table.values() if i.url == url), None)
        if image is not None and image.status not in ("fetching", "failed"):
            return JSONResponse({"image_id": image.image_id}, 202)
        if image is None:
            image = FakeImage(f"img{next(fake.ids)}", url)
            table[image.image_id] = image
        spawn(process(job_id, image, data))
        return JSONResponse({"image_id": image.image_id}, 202)

    async def result(request: Request) -> Response:
        if not _authorized(fake, request):
            return _unauthorized()
        data = fake.results.get(request.path_params["image_id"])
        if data is None:
            return JSONResponse({"error": {"code": "not_found", "message": "no"}}, 404)
        return Response(data, media_type="image/png")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "fake": True})

    async def command(ws: WebSocket, msg: dict[str, Any]) -> None:
        fake.received.append(msg)
        if msg.get("type") == "subscribe":
            ws.state.subscribed.add(msg["job_id"])
            for event in list(fake.events.get(msg["job_id"], [])):
                if event["seq"] > msg.get("last_seq", 0):
                    await _send(ws, event)
        elif msg.get("type") == "cancel":
            fake.cancelled.append(msg["job_id"])

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
                await command(ws, await ws.receive_json())
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
