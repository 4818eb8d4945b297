from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.workers.translators.fake_server import FakeApi, FakeServer, serve
from workers.translators import http_client


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeServer]:
    with serve() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeServer) -> Iterator[FakeApi]:
    fake_server.api.reset()
    yield fake_server.api
    # Let handlers still hanging from a timeout test finish before the next test.
    fake_server.api.release.set()


@pytest.fixture
def url(fake_server: FakeServer) -> str:
    return fake_server.url


@pytest.fixture(autouse=True)
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff delays the HTTP layer asked for; recorded instead of waited out."""
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(http_client, "sleep", record)
    return asked
