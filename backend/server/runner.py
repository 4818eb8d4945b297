"""Running the app under uvicorn on a socket we bind ourselves: the real port is known before
the first request (port 0 picks a free one), so the Host check and the printed URL agree."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

WS_MAX_MESSAGE = 1024 * 1024


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: ASGIApp, *, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app, lifespan="on", log_level=log_level, access_log=False,
        # Client addresses come from the socket: a forwarded header would let anyone pick the
        # address the token rate limit counts against.
        proxy_headers=False, server_header=False,
        ws_max_size=WS_MAX_MESSAGE, timeout_graceful_shutdown=5)


@asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket,
                  *, log_level: str = "warning") -> AsyncIterator[uvicorn.Server]:
    """Serve in a task of the running loop until the block exits (tests, embedding)."""
    server = uvicorn.Server(uvicorn_config(app, log_level=log_level))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the server stopped during startup")
            await asyncio.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        await task
