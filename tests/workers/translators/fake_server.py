"""A local stand-in for every translation API, served by uvicorn on 127.0.0.1.

It speaks each protocol's happy path (answering `"{target}:{text}"` for every text, with the
target code as the API spells it) and plays scripted replies first: a status with headers, a
raw body, a chat completion's content, or a hang that outlasts the client's timeout. Every
request is recorded for the test to inspect.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    text: str | None = None
    content: str | None = None
    hang: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: Any

    def chat_payload(self) -> dict[str, Any]:
        """The JSON object in a chat completion's last user message."""
        payload: dict[str, Any] = json.loads(self.body["messages"][-1]["content"])
        return payload


def _answer(path: str, body: Any, content: str | None) -> Any:
    if path.endswith("/chat/completions"):
        if content is None:
            payload = json.loads(body["messages"][-1]["content"])
            content = json.dumps(
                {"translations": [f"{payload['target']}:{t}" for t in payload["texts"]]},
                ensure_ascii=False,
            )
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    if path == "/translate":
        return {"translatedText": [f"{body['target']}:{q}" for q in body["q"]]}
    if path == "/v2/translate":
        return {
            "translations": [
                {"detected_source_language": "JA", "text": f"{body['target_lang']}:{t}"}
                for t in body["text"]
            ]
        }
    if path == "/language/translate/v2":
        return {
            "data": {
                "translations": [{"translatedText": f"{body['target']}:{q}"} for q in body["q"]]
            }
        }
    if path == "/nmt/v1/translation":
        return {
            "message": {
                "result": {
                    "srcLangType": body["source"],
                    "tarLangType": body["target"],
                    "translatedText": f"{body['target']}:{body['text']}",
                }
            }
        }
    return None


class FakeApi:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            # Handlers of an earlier test that still hang see the change and stop counting.
            self.generation += 1
            self.script: list[Reply] = []
            self.requests: list[Seen] = []
            self.delay_s = 0.0
            self.inflight = 0
            self.max_inflight = 0
        self.release.clear()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        seen = Seen(request.url.path, dict(request.headers), dict(request.query_params), body)
        with self._lock:
            generation = self.generation
            self.requests.append(seen)
            reply = self.script.pop(0) if self.script else Reply()
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            return await self._respond(seen, reply, generation)
        finally:
            with self._lock:
                if generation == self.generation:
                    self.inflight -= 1

    async def _respond(self, seen: Seen, reply: Reply, generation: int) -> Response:
        if reply.hang:
            deadline = time.monotonic() + 10
            while (
                not self.release.is_set()
                and generation == self.generation
                and time.monotonic() < deadline
            ):
                await asyncio.sleep(0.01)
            return Response(status_code=504)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if reply.text is not None:
            return Response(reply.text, status_code=reply.status, headers=reply.headers)
        if reply.body is not None:
            return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
        if reply.status >= 400:
            error = {"error": {"message": f"scripted {reply.status}"}}
            return JSONResponse(error, status_code=reply.status, headers=reply.headers)
        answer = _answer(seen.path, seen.body, reply.content)
        if answer is None:
            return JSONResponse({"error": "no such route"}, status_code=404)
        return JSONResponse(answer, status_code=reply.status, headers=reply.headers)


@dataclass
class FakeServer:
    api: FakeApi
    url: str


@contextmanager
def serve() -> Iterator[FakeServer]:
    api = FakeApi()
    app = Starlette(routes=[Route("/{path:path}", api.handle, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake translation server did not start")
        time.sleep(0.01)
    try:
        yield FakeServer(api, f"http://127.0.0.1:{port}")
    finally:
        api.release.set()
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
