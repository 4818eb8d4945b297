"""The server's side of the distributed transport: the `Pipeline` protocol over a transport,
with the stages running in worker processes (`itp worker`) anywhere.

`submit` stores the image's bytes as a blob (no copy stays here) and opens the image in the
ledger with its first (`ocr`) message; the workers' events come back through one `EventFeed`
and become `PipelineEvent`s: one terminal event per image (the ledger lets only the first
finish through, and this side forgets an image at it), whatever happens: a full store
(`queue_full`), events that cannot be handled, a loop restarted after an unforeseen error,
Redis losing its data (the images it held fail, retryable) or not there yet at start
(`RedisPipeline` waits for it). Blobs are freed once the terminal event is handled.

`workers.pipeline.redis.RedisPipeline` is this over Redis; with the memory transport the
same code runs in one process (tests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import partial
from typing import Any, TypeVar

from workers.aio import end
from workers.config import Settings
from workers.errors import Cancelled, InternalError, ItpError
from workers.pipeline import serialize
from workers.pipeline.api import EventCallback, EventKind, ImageTask, PipelineEvent
from workers.transport.admission import Admission, need_of, refusal
from workers.transport.base import Event, ImageInfo, Message, Transport
from workers.transport.blobs import BlobElsewhere, BlobStore
from workers.transport.feed import EventFeed
from workers.transport.retry import patiently, supervise
from workers.types import PageResult

log = logging.getLogger(__name__)

# How long a submit, or reading a result, waits for an unreachable Redis before failing the
# image.
RETRY_S = 60.0
STOP_WAIT_S = 3.0
T = TypeVar("T")
LOST = "the work queue (Redis) lost its data (restarted without its append-only file?)"


class DistributedPipeline:
    def __init__(self, settings: Settings, on_event: EventCallback, transport: Transport,
                 blobs: BlobStore, *, consumer: str = "server") -> None:
        self.settings = settings
        self.transport = transport
        self.blobs = blobs
        self._on_event = on_event
        self._local: dict[str, str] = {}
        self._waiting: set[str] = set()
        # Images this side has finished whose ledger entry may not be closed yet.
        self._closing: set[str] = set()
        self._opening: dict[str, asyncio.Task[None]] = {}
        self._admission = Admission(blobs, self._patiently)
        self._feed = EventFeed(transport, blobs, consumer, handle=self._handle,
                               set_aside=self._set_aside, on_loss=self._forget_lost,
                               mine=lambda: [*self._local, *self._closing])
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._ready = False
        # The transport away or refusing: tried again later, never a verdict on an image.
        self._not_now: tuple[type[Exception], ...] = (*transport.transient, *transport.refused)
        self._not_stored: tuple[type[Exception], ...] = (ItpError, OSError, *self._not_now)

    # -- the Pipeline protocol ---------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        if self._loop is not None:
            return
        await patiently(self.transport.setup, self.transport.transient, RETRY_S)
        self._loop = asyncio.create_task(supervise("the pipeline's event loop",
                                                   self._feed.run))
        self._ready = True

    async def stop(self) -> None:
        self._ready = False
        self._feed.stopping = True
        # The events loop ends by itself within one blocking read; cancelling it is the
        # last resort.
        if self._loop is not None:
            await asyncio.wait([self._loop], timeout=STOP_WAIT_S)
        await end([*self._tasks, *([self._loop] if self._loop else [])], "the pipeline")
        self._loop = None

    def submit(self, task: ImageTask) -> None:
        self._feed.keep(task.image_id)
        self._local[task.image_id] = task.job_id
        self._waiting.add(task.image_id)
        self._emit("queued", task.image_id, task.job_id, position=len(self._waiting))
        info = ImageInfo(task.image_id, task.job_id, serialize.dump_settings(task.settings),
                         task.page_index, task.name)
        need = need_of(task.data, self.settings.machine.limits)
        self._opening[task.image_id] = self._spawn(self._open(info, task.data, need))

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
        return len(self._local) + self._feed.foreign

    # -- submission and cancellation ---------------------------------------------------------

    async def _open(self, info: ImageInfo, data: bytes, need: int) -> None:
        image_id, box = info.image_id, [data]
        del data  # once stored, the server keeps no copy of the image
        try:
            # Only what the store can carry to the end: refused now beats failing half-way.
            await self._admission.reserve(image_id, need)
            ref = await self._patiently(lambda: self.blobs.put(image_id, "input", box[0]))
            box.clear()
            if image_id not in self._local:
                self._feed.free_later(image_id)  # cancelled meanwhile
                return
            first = Message(image_id, info.job_id, (("input", ref),))
            await self._patiently(lambda: self.transport.open(info, "ocr", first))
        except self._not_stored as exc:
            if image_id in self._local:
                self._forget(image_id)
                self._emit("error", image_id, info.job_id,
                           error=refusal(exc, self.transport.transient))
            self._feed.free_later(image_id)  # whatever part of it was stored
        finally:
            self._opening.pop(image_id, None)

    async def _prioritize(self, image_ids: list[str]) -> None:
        # The ledger only ranks open images: wait for the ones still being submitted.
        opening = [t for t in (self._opening.get(i) for i in image_ids) if t is not None]
        if opening:
            await asyncio.wait(opening)
        try:
            await self._patiently(lambda: self.transport.prioritize(image_ids))
        except self._not_stored as exc:  # a full Redis refuses it too: the order is a wish
            log.warning("could not prioritize %d images: %s", len(image_ids), exc)

    async def _close(self, image_ids: list[str], job_id: str) -> None:
        for image_id in image_ids:
            opening = self._opening.get(image_id)
            if opening is not None:
                await asyncio.wait([opening])
            event = Event("error", image_id, job_id, code=Cancelled.code,
                          message="the job was cancelled")
            try:
                await self._patiently(partial(self.transport.finish, event))
            except self._not_now as exc:
                log.warning("image=%s could not close its ledger entry: %s", image_id, exc)
            self._feed.free_later(image_id)
            self._closing.discard(image_id)

    # -- events from the workers -------------------------------------------------------------

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
                except self._not_now:
                    raise  # read again once the transport is back
                except (ItpError, BlobElsewhere, OSError, ValueError, KeyError) as exc:
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
        self._feed.free_later(image_id)

    def _set_aside(self, event: Event) -> None:
        """An event the loop died on when it first handled it: not tried again."""
        self._feed.free_later(event.image_id)
        if event.kind != "progress":
            # Emitted even when this side had forgotten the image (the loop may have died
            # telling the server): a server that heard the first word ignores the second.
            self._forget(event.image_id)
            self._emit("error", event.image_id, event.job_id, error=InternalError(
                "the server failed while handling this image's result", retryable=True))

    async def _forget_lost(self) -> None:
        """Redis lost its data: the images this server waits for that the ledger no longer
        knows will never finish. They fail now (retryable), freeing the backlog."""
        waiting = [i for i in self._local if i not in self._opening]
        for image_id, known in zip(waiting, await self.transport.known(waiting), strict=True):
            job_id = self._local.get(image_id)
            if not known and job_id is not None:
                self._forget(image_id)
                self._emit("error", image_id, job_id, error=InternalError(
                    f"{LOST}; submit the image again", retryable=True))

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
        self._admission.release(image_id)

    def _emit(self, kind: EventKind, image_id: str, job_id: str, *, stage: str = "",
              position: int = 0, result: PageResult | None = None,
              error: ItpError | None = None) -> None:
        if kind == "error" and error is not None:
            log.info("image=%s job=%s outcome=error code=%s", image_id, job_id, error.code)
        self._on_event(PipelineEvent(kind=kind, image_id=image_id, job_id=job_id, stage=stage,
                                     position=position, result=result, error=error))
