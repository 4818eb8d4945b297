from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.backend.server.fakes import FakePipeline, bomb_png, page_png, truncated_png
from tests.backend.server.harness import ItpServer, Origin, itp_server, origin_server
from workers.config import Settings
from workers.pipeline.api import EventCallback, Pipeline


def origin_images() -> dict[str, bytes]:
    images = {f"p{i}.png": page_png(f"page {i}") for i in range(8)}
    images["photo.jpg"] = page_png("photo", fmt="JPEG")
    images["bomb.png"] = bomb_png()
    images["html.png"] = b"<!doctype html><title>login required</title>"
    images["cut.png"] = truncated_png("cut")
    return images


def fake_factory(settings: Settings, on_event: EventCallback) -> Pipeline:
    return FakePipeline(settings, on_event)


def gated_factory(settings: Settings, on_event: EventCallback) -> Pipeline:
    return FakePipeline(settings, on_event, gated=True)


@pytest_asyncio.fixture
async def origin() -> AsyncIterator[Origin]:
    async with origin_server(origin_images()) as served:
        yield served


@pytest_asyncio.fixture
async def fake_server(tmp_path: Path, origin: Origin) -> AsyncIterator[ItpServer]:
    """The server on a fake pipeline that works as soon as it is given an image."""
    async with itp_server(tmp_path, fake_factory,
                          fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        await server.wait_ready()
        yield server


@pytest_asyncio.fixture
async def gated_server(tmp_path: Path, origin: Origin) -> AsyncIterator[ItpServer]:
    """The server on a fake pipeline that does one image per `release()`."""
    async with itp_server(tmp_path, gated_factory,
                          fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        await server.wait_ready()
        yield server
