"""The server's side of the distributed transport: the `Pipeline` protocol over a transport,
with the stages running in worker processes (`itp worker`) anywhere.

`submit` stores the image's bytes as a blob and opens the image in the ledger with its first
(`ocr`) message; the events the workers publish come back through one consumer loop and
become `PipelineEvent`s. Terminal events are emitted once per image: the ledger already lets
only the first finish through, and this side forgets an image at its first terminal event.
Blobs are freed as soon as the terminal event is handled (after the result is read).

`RedisPipeline` is this over Redis; `DistributedPipeline` with the memory transport runs the
same code in one process (tests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import partial
from typing import Any, TypeVar

from workers.config import Settings
from workers.errors import Cancelled, InternalError, ItpError
from workers.pipeline import serialize
from workers.pipeline.api import EventCallback, EventKind, ImageTask, PipelineEvent
from workers.transport.base import Event, ImageInfo, Message, Transport
from workers.transport.blobs import BlobElsewhere, BlobMissing, BlobStore
from workers.transport.placement import BlobMode
from workers.transport.retry import patiently
from workers.types import PageResult

log = logging.getLogger(__name__)

# How long a submit, or reading a result, waits for an unreachable Redis before failing the
# image.
RETRY_S = 60.0
STOP_WAIT_S = 3.0
T = TypeVar("T")


class DistributedPipeline:
    def __init__(self, settings: Settings, on_event: EventCallback, transport: Transport,
                 blobs: BlobStore, *, consumer: str = "server") -> None:
        self.settings = settings
        self.transport = transport
        self.blobs = blobs
        self._on_event = on_event
        self._consumer = consumer
        self._local: dict[str, str] = {}
        self._waiting: set[str] = set()
        # Images this side has finished whose ledger entry may not be closed yet.
        self._closing: set[str] = set()
        self._opening: dict[str, asyncio.Task[None]] = {}
        self._foreign = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._ready = False
        self._stopping = False

    # -- the Pipeline protocol ---------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        if self._loop is not None:
            return
        await patiently(self.transport.setup, self.transport.transient, RETRY_S)
        self._loop = asyncio.create_task(self._events())
        self._loop.add_done_callback(self._events_ended)
        self._ready = True

    async def stop(self) -> None:
        self._ready = False
        self._stopping = True
        # The events loop ends by itself within one blocking read. Cancelling a read in
        # flight is the last resort: redis-py can lose the cancellation inside its socket
        # timeout (Python 3.11), leaving the loop waiting on a reply that never comes.
        if self._loop is not None:
            _, late = await asyncio.wait([self._loop], timeout=STOP_WAIT_S)
            for task in late:
                task.cancel()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.wait([*tasks, *([self._loop] if self._loop else [])],
                           timeout=STOP_WAIT_S)
        self._loop = None

    def submit(self, task: ImageTask) -> None:
        self._local[task.image_id] = task.job_id
        self._waiting.add(task.image_id)
        self._emit("queued", task.image_id, task.job_id, position=len(self._waiting))
        self._opening[task.image_id] = self._spawn(self._open(task))

    def prioritize(self, image_ids: Sequence[str]) -> None:
        mine = [i for i in image_ids if i in self._local]
        if mine:
            self._spawn(self._prioritize(mine))

    def cancel_job(self, job_id: str) -> int:
        """Every unfinished image of the job fails with `cancelled` now, running ones too:
        their ledger entries close, so a worker holding one drops it at its next step (the
        embedded pipeline lets a running stage finish instead; either way the client hears
        nothing more after `cancelled`)."""
        dropped = [i for i, job in self._local.items() if job == job_id]
        for image_id in dropped:
            self._forget(image_id)
            self._closing.add(image_id)
            self._emit("error", image_id, job_id, error=Cancelled("the job was cancelled"))
        if dropped:
            self._spawn(self._close(dropped, job_id))
        return len(dropped)

    def models_used(self) -> dict[str, str]:
        # The workers' models are theirs: the results report them.
        return {}

    def backlog(self) -> int:
        """This server's unfinished images, plus the active ones in the ledger it does not
        know (another server's, or a previous run's): all of them wait for the same
        workers."""
        return len(self._local) + self._foreign

    # -- submission and cancellation ---------------------------------------------------------

    async def _open(self, task: ImageTask) -> None:
        image_id = task.image_id
        try:
            ref = await self._patiently(lambda: self.blobs.put(image_id, "input", task.data))
            if image_id not in self._local:
                await self._patiently(lambda: self.blobs.free(image_id))
                return
            info = ImageInfo(image_id, task.job_id, serialize.dump_settings(task.settings),
                             task.page_index, task.name)
            first = Message(image_id, task.job_id, (("input", ref),))
            await self._patiently(lambda: self.transport.open(info, "ocr", first))
        except self.transport.transient as exc:
            if image_id in self._local:
                self._forget(image_id)
                self._emit("error", image_id, task.job_id, error=InternalError(
                    f"the work queue (Redis) is unreachable: {exc}", retryable=True))
        finally:
            self._opening.pop(image_id, None)

    async def _prioritize(self, image_ids: list[str]) -> None:
        # The ledger only ranks open images: wait for the ones still being submitted.
        opening = [t for t in (self._opening.get(i) for i in image_ids) if t is not None]
        if opening:
            await asyncio.wait(opening)
        await self._patiently(lambda: self.transport.prioritize(image_ids))

    async def _close(self, image_ids: list[str], job_id: str) -> None:
        for image_id in image_ids:
            opening = self._opening.get(image_id)
            if opening is not None:
                await asyncio.wait([opening])
            event = Event("error", image_id, job_id, code=Cancelled.code,
                          message="the job was cancelled")
            try:
                await self._patiently(partial(self.transport.finish, event))
                await self._patiently(partial(self.blobs.free, image_id))
            except self.transport.transient as exc:
                log.warning("image=%s could not close its ledger entry: %s", image_id, exc)
            self._closing.discard(image_id)

    # -- events from the workers -------------------------------------------------------------

    async def _events(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                batch = await self.transport.read_events(self._consumer, 64, 1.0)
                for _, event in batch:
                    await self._handle(event)
                await self.transport.ack_events([entry_id for entry_id, _ in batch])
                self._foreign = await self.transport.backlog([*self._local, *self._closing])
                delay = 0.2
            except self.transport.transient as exc:
                log.warning("events: transport unreachable (%s)", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _events_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            # Nothing more would reach the clients: say so loudly, and stop claiming to be
            # ready (the server's health check shows it).
            log.critical("the pipeline's event loop failed", exc_info=task.exception())
            self._ready = False

    async def _handle(self, event: Event) -> None:
        image_id, job_id = event.image_id, event.job_id
        if event.kind == "progress":
            if image_id in self._local:
                self._waiting.discard(image_id)
                self._emit("progress", image_id, job_id, stage=event.stage)
            return
        if image_id in self._local:
            if event.kind == "done":
                try:
                    result = await self._result(event.result)
                except (BlobMissing, BlobElsewhere, ValueError, KeyError) as exc:
                    self._forget(image_id)
                    self._emit("error", image_id, job_id, error=InternalError(
                        f"the result could not be read: {exc}"))
                else:
                    self._forget(image_id)
                    self._emit("done", image_id, job_id, result=result)
            else:
                self._forget(image_id)
                self._emit("error", image_id, job_id, error=serialize.load_error(
                    event.code, event.message, event.retryable))
        # Known or not (a previous run's image), a finished image's blobs go now.
        await self._patiently(lambda: self.blobs.free(image_id))

    async def _result(self, ref: str) -> PageResult:
        data = await self._patiently(lambda: self.blobs.get(ref))
        return await asyncio.to_thread(serialize.load_result, data)

    # -- plumbing ----------------------------------------------------------------------------

    async def _patiently(self, fn: Callable[[], Awaitable[T]]) -> T:
        return await patiently(fn, self.transport.transient, RETRY_S)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _forget(self, image_id: str) -> None:
        self._local.pop(image_id, None)
        self._waiting.discard(image_id)

    def _emit(self, kind: EventKind, image_id: str, job_id: str, *, stage: str = "",
              position: int = 0, result: PageResult | None = None,
              error: ItpError | None = None) -> None:
        if kind == "error" and error is not None:
            log.info("image=%s job=%s outcome=error code=%s", image_id, job_id, error.code)
        self._on_event(PipelineEvent(kind=kind, image_id=image_id, job_id=job_id, stage=stage,
                                     position=position, result=result, error=error))


class RedisPipeline(DistributedPipeline):
    """`itp serve --redis URL`: the pipeline whose stages are `itp worker` processes."""

    def __init__(self, settings: Settings, on_event: EventCallback, redis_url: str, *,
                 namespace: str = "itp", blob_mode: BlobMode = "auto") -> None:
        from workers.transport.redis_streams import RedisTransport, connect
        from workers.transport.shared import SharedBlobs

        client = connect(redis_url)
        self.shared = SharedBlobs(client, namespace, mode=blob_mode, role="server")
        super().__init__(settings, on_event, RedisTransport(client, namespace), self.shared)
        self._upkeep: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._upkeep is not None:
            return
        await patiently(self.shared.start, self.transport.transient, RETRY_S)
        await super().start()
        self._upkeep = asyncio.create_task(self.shared.maintain())

    async def stop(self) -> None:
        if self._upkeep is not None:
            self._upkeep.cancel()
            await asyncio.gather(self._upkeep, return_exceptions=True)
            self._upkeep = None
        await super().stop()
        try:
            await self.shared.close()
        except self.transport.transient as exc:
            log.debug("leaving the peer list: %s", exc)
        await self.transport.close()
