"""One stage's consumer: take messages, run them (priority first), keep them leased, recover
what dead workers left, give up on poison.

A worker holds a few more messages than it runs (its prefetch), so it can start the most
urgent one: prioritized images first, then the oldest. Everything it holds is kept alive by
its heartbeat; a message it fails on unexpectedly is handed back for another try, and after
`max_deliveries` it goes to the dead-letter stream and its image fails with `internal`. A
message handed back for another reason (its input is in another host's shared memory, the
worker is stopping) is not a failed try and does not count.

The heartbeat and the reaper run beside the main loop for the life of the worker: transport
errors are logged and tried again at the next tick, and a failure nobody foresaw restarts
them (`supervise`), so the worker never keeps running without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence

from workers.aio import end
from workers.errors import InternalError, ItpError
from workers.runner.context import StageContext, Work, job_settings
from workers.runner.handlers import Handler
from workers.runner.spec import StageSpec, WorkerOptions
from workers.transport.base import DeadLetter, Delivery, Event
from workers.transport.blobs import BlobElsewhere, StoreFull
from workers.transport.retry import supervise

log = logging.getLogger(__name__)


def _entry_order(entry_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in entry_id.split("-") if p.isdigit())


class StageWorker:
    def __init__(self, spec: StageSpec, handler: Handler, ctx: StageContext,
                 options: WorkerOptions, consumer: str) -> None:
        self.spec = spec
        self.handler = handler
        self.ctx = ctx
        self.options = options
        self.consumer = consumer
        self.transport = ctx.transport
        self._buffer: list[Delivery] = []
        self._running: dict[asyncio.Task[None], tuple[list[Delivery], float]] = {}
        self.busy_s = 0.0
        # Errors that leave a message where it is (pending): the transport is away, or
        # refused the call. Tried again later; never a verdict on the image.
        self._not_now = (*self.transport.transient, *self.transport.refused)

    @property
    def _slots(self) -> int:
        return self.options.concurrency_of(self.spec) - len(self._running)

    def _held(self) -> int:
        return len(self._buffer) + sum(len(ds) for ds, _ in self._running.values())

    async def run(self, stop: asyncio.Event) -> None:
        name = self.spec.name
        helpers = [asyncio.create_task(supervise(
                       f"stage {name}: heartbeat",
                       lambda: self._every(self._heartbeat, self._beat_s()))),
                   asyncio.create_task(supervise(
                       f"stage {name}: reaper", lambda: self._every(self._reap, self._reap_s())))]
        delay = 0.2
        try:
            # Own pending first: what this consumer held when it last stopped.
            self._buffer += await self.transport.consume(self.spec.queues, self.consumer,
                                                         1000, 0, own_pending=True)
            while not stop.is_set():
                try:
                    await self._fill()
                    await self._start()
                    delay = 0.2
                except self._not_now as exc:
                    log.warning("stage %s: transport unreachable or refusing (%s)",
                                self.spec.name, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if self._running and (self._slots <= 0 or self._buffer):
                    await asyncio.wait(list(self._running), timeout=1.0,
                                       return_when=asyncio.FIRST_COMPLETED)
        finally:
            await end(helpers, f"stage {name}: heartbeat and reaper")
            await self._shutdown()

    async def _fill(self) -> None:
        room = self.options.prefetch_of(self.spec) - self._held()
        if self._slots <= 0 or room <= 0:
            return
        block = 0.0 if self._buffer else 1.0
        self._buffer += await self.transport.consume(self.spec.queues, self.consumer, room,
                                                     block)

    async def _start(self) -> None:
        if self._slots <= 0 or not self._buffer:
            return
        ids = [d.message.image_id for d in self._buffer]
        # The reaper may add to the buffer while the scores are read: rank what is there then.
        scores = dict(zip(ids, await self.transport.priorities(ids), strict=True))

        def rank(d: Delivery) -> tuple[float, tuple[int, ...]]:
            score = scores.get(d.message.image_id)
            return (math.inf if score is None else score, _entry_order(d.entry_id))

        self._buffer.sort(key=rank)
        while self._slots > 0 and self._buffer:
            first = self._buffer.pop(0)
            size = self.options.batch_of(self.spec, first.queue)
            batch = [first, *[d for d in self._buffer if d.queue == first.queue][:size - 1]]
            self._buffer = [d for d in self._buffer if d not in batch]
            task = asyncio.create_task(self._handle(batch))
            self._running[task] = (batch, time.monotonic())
            task.add_done_callback(lambda t: self._running.pop(t, None))

    # -- one batch ---------------------------------------------------------------------------

    async def _handle(self, batch: list[Delivery]) -> None:
        started = time.perf_counter()
        try:
            works = [w for w in [await self._admit(d) for d in batch] if w is not None]
            if works:
                await self._guarded(works)
        except self._not_now as exc:
            # The messages stay pending; once the transport is back, the reaper (here or
            # elsewhere) takes them over.
            log.warning("stage %s: gave up a message while the transport was down or "
                        "refusing: %s", self.spec.name, exc)
        finally:
            self.busy_s += time.perf_counter() - started

    async def _admit(self, d: Delivery) -> Work | None:
        """The work for a delivery, or None when there is nothing (left) to do for it."""
        ctx, image_id = self.ctx, d.message.image_id
        if d.deliveries > self.options.max_deliveries:
            await self._dead(d, f"delivered {d.deliveries} times: its workers kept dying")
            return None
        info = await ctx.call(lambda: self.transport.info(image_id))
        if info is None:
            await ctx.call(lambda: self.transport.ack(d))
            await ctx.call(lambda: ctx.blobs.free(image_id))
            return None
        progress = Event("progress", image_id, d.message.job_id, stage=self.spec.name)
        unsaid: tuple[type[Exception], ...] = (StoreFull, *self.transport.refused)
        try:
            await ctx.call(lambda: self.transport.publish(progress))
        except unsaid as exc:
            # Progress is news, not work: a full Redis must not stop the stage that frees it.
            log.debug("image=%s stage=%s progress not published: %s", image_id,
                      self.spec.name, exc)
        return Work(d, info, job_settings(info.settings))

    async def _guarded(self, works: Sequence[Work]) -> None:
        started = time.perf_counter()
        try:
            await self.handler(self.ctx, works)
            ms = (time.perf_counter() - started) * 1000
            for work in works:
                log.info("image=%s job=%s stage=%s attempt=%d ms=%.0f outcome=ok",
                         work.image_id, work.job_id, work.stage, work.delivery.deliveries, ms)
        except BlobElsewhere as exc:
            log.info("stage %s: %s; handing the message back", self.spec.name, exc)
            await self.transport.release(self.consumer, [w.delivery for w in works])
        except self._not_now:
            raise
        except ItpError as exc:
            if len(works) > 1:
                await self._one_by_one(works)
                return
            work = works[0]
            log.info("image=%s job=%s stage=%s attempt=%d outcome=error code=%s",
                     work.image_id, work.job_id, work.stage, work.delivery.deliveries,
                     exc.code)
            event = _error_event(work, exc)
            await self.ctx.call(lambda: self.transport.finish(event, work.delivery))
        except Exception as exc:
            # Last resort, and the one place that catches everything: a bug or a crash in a
            # stage library on one message must neither kill the worker serving every other
            # image nor fail the image at the first try. Logged with its traceback; retried
            # on another delivery; dead-lettered after max_deliveries.
            if len(works) > 1:
                await self._one_by_one(works)
                return
            work = works[0]
            log.exception("image=%s job=%s stage=%s attempt=%d outcome=crash", work.image_id,
                          work.job_id, work.stage, work.delivery.deliveries)
            if work.delivery.deliveries >= self.options.max_deliveries:
                await self._dead(work.delivery, f"{type(exc).__name__}: {exc}")
            else:
                await self.ctx.call(lambda: self.transport.release(
                    self.consumer, [work.delivery], failed=True))

    async def _one_by_one(self, works: Sequence[Work]) -> None:
        """A batch failed: run its pages alone, so one poison page fails alone."""
        for work in works:
            await self._guarded([work])

    async def _dead(self, d: Delivery, reason: str) -> None:
        m = d.message
        log.error("image=%s job=%s stage=%s attempt=%d outcome=dead_letter reason=%s",
                  m.image_id, m.job_id, self.spec.name, d.deliveries, reason)
        error = InternalError(f"{self.spec.name} failed on this image {d.deliveries} times "
                              f"({reason}); it was set aside")
        event = Event("error", m.image_id, m.job_id, stage=self.spec.name, code=error.code,
                      message=error.message, retryable=False)
        letter = DeadLetter(d.queue, d.entry_id, m, d.deliveries, reason)
        await self.ctx.call(lambda: self.transport.finish(event, d, letter))

    # -- leases and recovery -----------------------------------------------------------------

    def _beat_s(self) -> float:
        return max(0.1, self.options.claim_idle_s / 3)

    def _reap_s(self) -> float:
        return min(5.0, max(0.2, self.options.claim_idle_s / 4))

    async def _every(self, body: Callable[[], Awaitable[None]], seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await body()
            except self._not_now as exc:
                log.warning("stage %s: %s", self.spec.name, exc)

    async def _heartbeat(self) -> None:
        now = time.monotonic()
        held = list(self._buffer)
        for batch, since in list(self._running.values()):
            if now - since < self.spec.max_run_s:
                held += batch
        if held:
            await self.transport.touch(self.consumer, held)

    async def _reap(self) -> None:
        # Every process notices (and logs) a Redis that lost its data, busy or not.
        await self.transport.lost()
        got = await self.transport.reclaim(self.spec.queues, self.consumer,
                                           self.options.claim_idle_s, 16)
        # What this worker holds itself comes back too when its heartbeat was late: keep one.
        held = {d.entry_id for d in self._buffer}
        held.update(d.entry_id for batch, _ in self._running.values() for d in batch)
        got = [d for d in got if d.entry_id not in held]
        for d in got:
            log.info("image=%s stage=%s attempt=%d outcome=reclaimed", d.message.image_id,
                     self.spec.name, d.deliveries)
        self._buffer += got

    async def _shutdown(self) -> None:
        """Hand back what was not started; let what runs finish within the grace period,
        then hand that back too."""
        with contextlib.suppress(*self._not_now):
            await self.transport.release(self.consumer, self._buffer)
        self._buffer = []
        if not self._running:
            return
        tasks = list(self._running)
        held = [d for batch, _ in self._running.values() for d in batch]
        _, late = await asyncio.wait(tasks, timeout=self.options.grace_s)
        if late:
            await end(late, f"stage {self.spec.name}: stopping")
            with contextlib.suppress(*self._not_now):
                await self.transport.release(self.consumer, held)


def _error_event(work: Work, exc: ItpError) -> Event:
    return Event("error", work.image_id, work.job_id, stage=work.stage, code=exc.code,
                 message=exc.message, retryable=exc.retryable)
