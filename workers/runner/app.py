"""A worker process: the stages it was asked for, over a transport and a blob store.

`serve_stages` is transport-independent (the tests run it over the memory transport too);
`run_redis_worker` is what `itp worker` runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import replace

from workers.aio import end
from workers.config import MachineSettings
from workers.pipeline.models import Models
from workers.runner.context import StageContext
from workers.runner.handlers import HANDLERS
from workers.runner.loop import StageWorker
from workers.runner.spec import SPECS, WorkerOptions
from workers.transport.base import Transport
from workers.transport.blobs import BlobStore
from workers.transport.placement import BlobMode
from workers.transport.retry import supervise, until_reachable

log = logging.getLogger(__name__)


def consumer_name(options: WorkerOptions) -> str:
    # Stable across a container restart (same hostname, pid 1), so a restarted worker finds
    # its own pending messages first.
    return options.name or f"{socket.gethostname()}-{os.getpid()}"


async def serve_stages(stages: Sequence[str], machine: MachineSettings, transport: Transport,
                       blobs: BlobStore, options: WorkerOptions, stop: asyncio.Event,
                       *, models: Models | None = None,
                       ready: asyncio.Event | None = None) -> list[StageWorker]:
    """Run the stages until `stop` is set; returns the stage workers (for their counters)."""
    await transport.setup()
    models = models or Models(machine)
    await asyncio.to_thread(models.load, stages)
    # One OCR page in flight per engine, unless told otherwise.
    own = {s: options if s != "ocr" or options.concurrency else
           replace(options, concurrency=len(models.readers)) for s in stages}
    threads = sum(own[s].concurrency_of(SPECS[s]) for s in stages)
    ctx = StageContext(transport, blobs, models, machine, threads, options.transport_retry_s)
    name = consumer_name(options)
    workers = [StageWorker(SPECS[s], HANDLERS[s], ctx, own[s], name) for s in stages]
    log.info("worker %s serving %s", name, ", ".join(stages))
    if ready is not None:
        ready.set()
    try:
        await asyncio.gather(*(w.run(stop) for w in workers))
    finally:
        ctx.close()
        await models.aclose()
    return workers


async def run_redis_worker(stages: Sequence[str], machine: MachineSettings, redis_url: str,
                           options: WorkerOptions, stop: asyncio.Event, *,
                           namespace: str = "itp", blob_mode: BlobMode = "auto",
                           ready: asyncio.Event | None = None) -> None:
    from workers.transport.redis_state import durability_problems
    from workers.transport.redis_streams import RedisTransport, connect
    from workers.transport.shared import SharedBlobs

    client = connect(redis_url)
    transport = RedisTransport(client, namespace)
    blobs = SharedBlobs(client, namespace, mode=blob_mode, role="worker")
    # Wait for Redis however long it takes (a compose stack starts everything at once).
    await until_reachable(blobs.start, transport.transient, f"redis at {redis_url}")
    for problem in await durability_problems(client):
        log.warning("%s", problem)
    upkeep = asyncio.create_task(supervise("blob upkeep", blobs.maintain))
    try:
        await serve_stages(stages, machine, transport, blobs, options, stop, ready=ready)
    finally:
        await end([upkeep], "blob upkeep")
        with contextlib.suppress(*transport.transient):
            await blobs.close()
        await transport.close()
