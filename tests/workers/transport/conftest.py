"""Fixtures of the transport tests: each transport implementation, and a private Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.workers.transport.redisproc import RedisProc
from workers.transport.base import Transport
from workers.transport.memory import MemoryTransport


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def transport(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Transport]:
    if request.param == "memory":
        yield MemoryTransport()
        return
    from workers.transport.redis_streams import RedisTransport, connect

    server = RedisProc(tmp_path / "redis")
    server.start()
    t = RedisTransport(connect(server.url))
    await t.setup()
    try:
        yield t
    finally:
        await t.close()
        server.close()


@pytest.fixture
async def redis_url(tmp_path: Path) -> AsyncIterator[str]:
    server = RedisProc(tmp_path / "redis")
    server.start()
    yield server.url
    server.close()
