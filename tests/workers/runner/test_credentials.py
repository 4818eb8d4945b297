"""A worker's translator key goes only to the service it was configured for: the job record
in the ledger (which anyone who can write to Redis can forge) names a translator URL, and a
worker must not send its key to whatever URL that is."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.drawing import encode, text_page
from tests.workers.translators.fake_server import FakeServer, serve
from workers.config import JobSettings, MachineSettings, Settings, TranslatorSettings
from workers.graph import NAMES
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.pipeline.distributed import DistributedPipeline
from workers.runner.app import serve_stages
from workers.runner.spec import WorkerOptions
from workers.transport.blobs import MemoryBlobs
from workers.transport.memory import MemoryTransport

KEY = "sk-worker-secret"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeServer]:
    with serve() as server:
        yield server


async def _translate_once(job: JobSettings, machine: MachineSettings) -> PipelineEvent:
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    transport, blobs = MemoryTransport(), MemoryBlobs()
    pipeline = DistributedPipeline(Settings(), events.put_nowait, transport, blobs)
    stop, ready = asyncio.Event(), asyncio.Event()
    workers = asyncio.create_task(serve_stages(NAMES, machine, transport, blobs,
                                               WorkerOptions(claim_idle_s=5.0), stop,
                                               ready=ready))
    await pipeline.start()
    await asyncio.wait_for(ready.wait(), 60)
    try:
        page = encode(text_page([("HELLO THERE", (40, 60))], size=(480, 200)))
        pipeline.submit(ImageTask("a", "job", page, job, 0))
        while True:
            event = await asyncio.wait_for(events.get(), 120)
            if event.kind in ("done", "error"):
                return event
    finally:
        stop.set()
        await asyncio.wait_for(workers, 30)
        await pipeline.stop()


def _machine(url: str) -> MachineSettings:
    mine = TranslatorSettings(name="openai", url=url, model="m", api_key=KEY, retries=0)
    return MachineSettings(inpainter="opencv", threads=1, ocr_engines=1, download=False,
                           credentials=mine)


async def test_the_key_is_not_sent_to_a_url_the_job_names(fake: FakeServer) -> None:
    fake.api.reset()
    job = JobSettings(target="fr", translator=TranslatorSettings(
        name="openai", url=fake.url, model="m", retries=0))
    event = await _translate_once(job, _machine("https://api.openai.example/v1"))
    assert event.kind == "done" and event.result is not None
    assert event.result.blocks, "no text found"
    assert fake.api.requests, "the translator was never called"
    for seen in fake.api.requests:
        assert KEY not in str(seen.headers) and KEY not in str(seen.body)


async def test_the_key_goes_to_the_workers_own_service(fake: FakeServer) -> None:
    fake.api.reset()
    job = JobSettings(target="fr", translator=TranslatorSettings(
        name="openai", url=fake.url, model="m", retries=0))
    event = await _translate_once(job, _machine(fake.url))
    assert event.kind == "done"
    assert any(seen.headers.get("authorization") == f"Bearer {KEY}"
               for seen in fake.api.requests)
