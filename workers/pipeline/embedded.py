"""The embedded transport: the stage graph in one process, asyncio queues between stages.

Each model stage has threads of its own, so image 2's OCR runs while image 1 is inpainted
and image 0 rendered; translation requests are plain coroutines, several in flight. Images
stay in memory as arrays from decode to render (no re-encoding between stages); what runs
next is `graph.successors`, and the join (whichever half finishes second moves the image
on) is the graph's too.

Memory is bounded by decoded pixels as well as by count: an image is decoded only once its
pixels (read from its header) fit in what the images in flight leave of `PIXEL_BUDGET`, or
when nothing else is in flight (one image over the budget still runs, alone). The encoded
bytes waiting before that are small, and are dropped once decoded.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from workers import graph
from workers.aio import end
from workers.config import MachineSettings
from workers.errors import Cancelled, InternalError, ItpError
from workers.imageio import inspect_header
from workers.pipeline import stages
from workers.pipeline.api import EventCallback, EventKind, ImageTask, PipelineEvent
from workers.pipeline.models import Models
from workers.pipeline.queues import Key, StageQueue
from workers.types import PageResult

log = logging.getLogger(__name__)

# Decoded pixels in flight before the next image waits to be decoded: a page costs about
# 13 bytes a pixel while it is worked on (image, fill, erased copy, mask, result).
PIXEL_BUDGET = 120_000_000


@dataclass(eq=False)
class _Work:
    task: ImageTask
    seq: int
    values: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    entered: set[str] = field(default_factory=set)
    pixels: int = 0
    finished: bool = False


class EmbeddedPipeline:
    def __init__(self, machine: MachineSettings, on_event: EventCallback,
                 models: Models | None = None, *, pixel_budget: int = PIXEL_BUDGET) -> None:
        self.machine = machine
        self._on_event = on_event
        self.models = models or Models(machine)
        self._seq = itertools.count()
        self._epoch = itertools.count(1)
        self._boost: dict[str, Key] = {}
        self._job_order: dict[str, int] = {}
        self._work: dict[str, _Work] = {}
        self._cancelled_jobs: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.busy: dict[str, float] = {}
        self._queues = {n: StageQueue[_Work](self._key) for n in graph.NAMES}
        self._pixel_budget = pixel_budget
        self._pixels = 0
        self._room = asyncio.Condition()
        self._ready = False

    # -- the Pipeline protocol -------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        if self._tasks:
            return
        loop = asyncio.get_running_loop()
        loader = ThreadPoolExecutor(1, thread_name_prefix="itp-load")
        try:
            await loop.run_in_executor(loader, self.models.load)
        finally:
            loader.shutdown(wait=False)
        for stage in graph.NAMES:
            count = self._concurrency(stage)
            if stage not in stages.ASYNC_BODIES:
                self._pools[stage] = ThreadPoolExecutor(count, thread_name_prefix=f"itp-{stage}")
            for _ in range(count):
                self._tasks.append(asyncio.create_task(self._run_stage(stage)))
        self._ready = True

    def _concurrency(self, stage: str) -> int:
        if stage == "ocr":
            return len(self.models.readers)
        return graph.BY_NAME[stage].concurrency

    async def stop(self) -> None:
        await end(self._tasks, "the pipeline's stages")
        self._tasks.clear()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        await self.models.aclose()
        self._ready = False

    def submit(self, task: ImageTask) -> None:
        # The bytes move into the work's values: dropped there once decoded.
        work = _Work(replace(task, data=b""), next(self._seq), {"input": task.data})
        self._job_order.setdefault(task.job_id, work.seq)
        self._work[task.image_id] = work
        self._cancelled_jobs.discard(task.job_id)
        queue = self._queues[graph.FIRST]
        position = queue.position(work) + 1
        queue.put(work)
        work.entered.add(graph.FIRST)
        self._emit(work, "queued", position=position)

    def prioritize(self, image_ids: Sequence[str]) -> None:
        epoch = next(self._epoch)
        for i, image_id in enumerate(image_ids):
            self._boost[image_id] = (-epoch, i, 0)

    def cancel_job(self, job_id: str) -> int:
        self._cancelled_jobs.add(job_id)
        dropped: list[_Work] = []
        for queue in self._queues.values():
            dropped += queue.remove_if(lambda w: w.task.job_id == job_id)
        for work in dropped:
            self._fail(work, Cancelled("the job was cancelled"))
        return len(dropped)

    def backlog(self) -> int:
        return len(self._work)

    def models_used(self) -> dict[str, str]:
        return self.models.used()

    @property
    def pixels_in_flight(self) -> int:
        return self._pixels

    # -- running the graph -----------------------------------------------------------------

    def _key(self, work: _Work) -> Key:
        # Unless prioritised: earlier jobs first, and pages in reading order within a job
        # (downloads may finish out of order; the reader reads page 1 first).
        boosted = self._boost.get(work.task.image_id)
        if boosted is not None:
            return boosted
        return (1, self._job_order.get(work.task.job_id, 0), work.task.page_index)

    def _env(self, work: _Work) -> stages.Env:
        t = work.task
        return stages.Env(self.models, t.settings, t.job_id, t.page_index, dict(work.timings),
                          self._key(work))

    async def _run_stage(self, name: str) -> None:
        stage = graph.BY_NAME[name]
        queue = self._queues[name]
        while True:
            work = await queue.get()
            if work.finished:
                continue
            if name == graph.FIRST:
                await self._reserve(work)
                if work.finished:
                    self._release_pixels(work)
                    continue
            if work.task.job_id in self._cancelled_jobs:
                self._fail(work, Cancelled("the job was cancelled"))
                continue
            self._emit(work, "progress", stage=name)
            started = time.perf_counter()
            try:
                await self._step(stage, work)
            except ItpError as exc:
                self._fail(work, exc)
            except Exception as exc:
                # Last resort: a bug triggered by one image must fail that image alone, never
                # the stage worker serving every other image. Logged with its traceback.
                log.exception("stage %s failed on image %s", name, work.task.image_id)
                self._fail(work, InternalError(f"{name} failed: {type(exc).__name__}: {exc}"))
            finally:
                self.busy[name] = self.busy.get(name, 0.0) + time.perf_counter() - started

    async def _step(self, stage: graph.Stage, work: _Work) -> None:
        env = self._env(work)
        inputs = {k: work.values[k] for k in stage.consumes}
        if stage.name in stages.ASYNC_BODIES:
            produced, spent = await stages.ASYNC_BODIES[stage.name](env, inputs)
        else:
            body = stages.BODIES[stage.name]
            loop = asyncio.get_running_loop()
            produced, spent = await loop.run_in_executor(self._pools[stage.name],
                                                         lambda: body(env, inputs))
        if work.finished:
            return
        for key, seconds in spent.items():
            work.timings[key] = work.timings.get(key, 0.0) + seconds
        work.values.update(produced)
        if "image" in produced:
            work.values.pop("input", None)
        if graph.FINAL_VALUE in produced:
            self._finish(work, produced[graph.FINAL_VALUE])
            return
        for nxt in graph.successors(stage.name, produced, work.values):
            if nxt.stage in work.entered or not graph.ready(nxt.stage, work.values):
                continue  # the join's first half: the second one enters it
            work.entered.add(nxt.stage)
            self._queues[nxt.stage].put(work)

    async def _reserve(self, work: _Work) -> None:
        """Wait until the image's decoded pixels fit the budget, and count them in. Its
        header tells the size without decoding; a header that cannot be read counts as
        nothing (decoding then fails the image with its code)."""
        try:
            _, width, height = inspect_header(work.values["input"], self.machine.limits)
        except ItpError:
            return
        need = width * height
        async with self._room:
            await self._room.wait_for(
                lambda: self._pixels == 0 or self._pixels + need <= self._pixel_budget)
            work.pixels = need
            self._pixels += need

    def _release_pixels(self, work: _Work) -> None:
        if not work.pixels:
            return
        self._pixels -= work.pixels
        work.pixels = 0
        work.values.clear()

        async def notify() -> None:
            async with self._room:
                self._room.notify_all()
        asyncio.get_running_loop().create_task(notify())

    # -- endings ---------------------------------------------------------------------------

    def _finish(self, work: _Work, result: PageResult) -> None:
        work.finished = True
        self._forget(work)
        self._emit(work, "done", result=result)

    def _fail(self, work: _Work, error: ItpError) -> None:
        if work.finished:
            return
        work.finished = True
        self._forget(work)
        log.info("image=%s job=%s outcome=error code=%s", work.task.image_id,
                 work.task.job_id, error.code)
        self._emit(work, "error", error=error)

    def _forget(self, work: _Work) -> None:
        self._work.pop(work.task.image_id, None)
        self._boost.pop(work.task.image_id, None)
        self._release_pixels(work)
        work.values.clear()
        for queue in self._queues.values():
            queue.remove_if(lambda w: w is work)
        job = work.task.job_id
        # A long-running server sees endless jobs: keep per-job state only while it has work.
        if not any(w.task.job_id == job for w in self._work.values()):
            self._job_order.pop(job, None)
            self._cancelled_jobs.discard(job)

    def _emit(self, work: _Work, kind: EventKind, *, stage: str = "", position: int = 0,
              result: PageResult | None = None, error: ItpError | None = None) -> None:
        self._on_event(PipelineEvent(kind=kind, image_id=work.task.image_id,
                                     job_id=work.task.job_id, stage=stage, position=position,
                                     result=result, error=error))
