"""The embedded pipeline and the Redis stage workers run one stage graph, so the same pages
come out the same: pixel for pixel, sidecar for sidecar. Pages with flat bubbles, with text
on texture (the inpainter's path), a tall strip (tiled OCR, the `long` queues) and an
erase-only job."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend.cmd_translate import sidecar
from tests.drawing import encode, text_page
from tests.workers.transport.redisproc import RedisProc
from workers.config import JobSettings, Settings, TranslatorSettings
from workers.graph import NAMES
from workers.pipeline.api import ImageTask, Pipeline, PipelineEvent
from workers.runner.spec import WorkerOptions
from workers.types import PageResult

pytestmark = pytest.mark.redis

SETTINGS = Settings.build(download=False,
                          translator=TranslatorSettings(name="deterministic", latency_s=0.0),
                          target="fr", inpainter="opencv", threads=1, ocr_engines=1)
ERASE_ONLY = SETTINGS.job.with_(translator=TranslatorSettings(name="none"))


def textured_page() -> np.ndarray:
    """Black words over a noisy gradient: no flat colour around them, so the model erases."""
    rng = np.random.default_rng(7)
    ramp = np.linspace(90, 230, 520, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 18, (300, 520, 3)).astype(np.float32)
    page = np.clip(ramp + noise, 0, 255).astype(np.uint8)
    words = text_page([("NIGHT FALLS", (40, 60)), ("OVER THE CITY", (40, 160))],
                      size=(520, 300))
    return np.where(words < 128, words, page).astype(np.uint8)


def pages() -> list[tuple[str, bytes, JobSettings]]:
    flat = encode(text_page([("HELLO THERE", (40, 60)), ("SECOND LINE", (40, 110))],
                            size=(480, 320)))
    strip_words = [("ALPHA BRAVO", 300), ("CHARLIE DELTA", 1700), ("ECHO FOXTROT", 3300)]
    strip = encode(text_page([(w, (60, y)) for w, y in strip_words], size=(600, 4000),
                             font_size=40), "JPEG")
    textured = encode(textured_page())
    return [("flat", flat, SETTINGS.job), ("textured", textured, SETTINGS.job),
            ("strip", strip, SETTINGS.job), ("erase-flat", flat, ERASE_ONLY),
            ("erase-textured", textured, ERASE_ONLY)]


async def _run(pipeline: Pipeline, events: asyncio.Queue[PipelineEvent]) -> dict[str, Any]:
    todo = pages()
    for i, (name, data, job) in enumerate(todo):
        pipeline.submit(ImageTask(name, "agree", data, job, i, name))
    results: dict[str, PageResult] = {}
    while len(results) < len(todo):
        event = await asyncio.wait_for(events.get(), 300)
        if event.kind == "error":
            raise AssertionError(f"{event.image_id}: {event.error}")
        if event.kind == "done" and event.result is not None:
            results[event.image_id] = event.result
    return {name: results[name] for name, _, _ in todo}


async def _embedded() -> dict[str, Any]:
    from workers.pipeline.embedded import EmbeddedPipeline

    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = EmbeddedPipeline(SETTINGS.machine, events.put_nowait)
    await pipeline.start()
    try:
        return await _run(pipeline, events)
    finally:
        await pipeline.stop()


async def _redis(tmp_path: Path) -> dict[str, Any]:
    from workers.pipeline.redis import RedisPipeline
    from workers.runner.app import run_redis_worker

    server = RedisProc(tmp_path / "redis")
    server.start()
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    pipeline = RedisPipeline(SETTINGS, events.put_nowait, server.url)
    stop, ready = asyncio.Event(), asyncio.Event()
    workers = asyncio.create_task(run_redis_worker(
        NAMES, SETTINGS.machine, server.url, WorkerOptions(claim_idle_s=30.0), stop,
        ready=ready))
    try:
        await pipeline.start()
        await asyncio.wait_for(ready.wait(), 120)
        return await _run(pipeline, events)
    finally:
        stop.set()
        await asyncio.wait_for(workers, 60)
        await pipeline.stop()
        server.close()


def _sidecar(result: PageResult, job: JobSettings) -> dict[str, Any]:
    meta = sidecar(result, job)
    meta.pop("timings")
    return meta


async def test_embedded_and_redis_make_the_same_pages(tmp_path: Path) -> None:
    embedded = await _embedded()
    distributed = await _redis(tmp_path)
    jobs = {name: job for name, _, job in pages()}
    for name, ours in embedded.items():
        theirs = distributed[name]
        assert ours.image.shape == theirs.image.shape, name
        assert np.array_equal(ours.image, theirs.image), f"{name}: pixels differ"
        assert _sidecar(ours, jobs[name]) == _sidecar(theirs, jobs[name]), name
    # The pages exercised what they were drawn for.
    assert any(b.erase == "model" for b in embedded["textured"].blocks)
    assert embedded["textured"].used.get("inpainter") == "opencv"
    assert embedded["strip"].height == 4000 and len(embedded["strip"].blocks) == 3
    assert all(b.translation == "" for b in embedded["erase-textured"].blocks)
    assert any(b.translation for b in embedded["flat"].blocks)
