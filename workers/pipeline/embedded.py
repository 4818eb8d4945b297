"""The embedded transport: every stage in one process, asyncio queues between them.

Each model stage has one thread of its own, so image 2's OCR runs while image 1 is inpainted
and image 0 rendered; translation requests are plain coroutines, several in flight. Images
stay in memory as arrays from decode to render (no re-encoding between stages). Translation
and inpainting run side by side; whichever finishes second hands the image to render (no
polling).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from workers.config import Settings
from workers.errors import Cancelled, InternalError, ItpError
from workers.ocr.engine import OcrEngine
from workers.pipeline import stages
from workers.pipeline.api import EventCallback, EventKind, ImageTask, PipelineEvent
from workers.pipeline.models import Models
from workers.pipeline.queues import Key, StageQueue
from workers.types import Crop, Image, PageLayout, PageResult, RenderedBlock, TextLine

log = logging.getLogger(__name__)
R = TypeVar("R")

TRANSLATE_CONCURRENCY = 4


@dataclass(eq=False)
class _Work:
    task: ImageTask
    seq: int
    image: Image | None = None
    lines: list[TextLine] = field(default_factory=list)
    layout: PageLayout | None = None
    translations: list[str] | None = None
    erased: Image | None = None
    crops: list[Crop] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    finished: bool = False


class EmbeddedPipeline:
    def __init__(self, settings: Settings, on_event: EventCallback,
                 models: Models | None = None) -> None:
        self.settings = settings
        self._on_event = on_event
        self.models = models or Models(settings)
        self._seq = itertools.count()
        self._epoch = itertools.count(1)
        self._boost: dict[str, Key] = {}
        self._job_order: dict[str, int] = {}
        self._work: dict[str, _Work] = {}
        self._cancelled_jobs: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.busy: dict[str, float] = {}
        names = ("ocr", "process", "translate", "preprocess", "inpaint", "render")
        self._queues: dict[str, StageQueue[_Work]] = {n: StageQueue(self._key) for n in names}
        self._idle_ocr: asyncio.Queue[OcrEngine] = asyncio.Queue()
        self._ready = False

    # -- the Pipeline protocol -------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        if self._tasks:
            return
        for name in ("process", "preprocess", "inpaint", "render"):
            self._pools[name] = ThreadPoolExecutor(1, thread_name_prefix=f"itp-{name}")
        await asyncio.get_running_loop().run_in_executor(self._pools["render"], self.models.load)
        engines = self.models.ocr_engines
        self._pools["ocr"] = ThreadPoolExecutor(len(engines), thread_name_prefix="itp-ocr")
        for engine in engines:
            self._idle_ocr.put_nowait(engine)
        runners: list[tuple[str, Callable[[_Work], Awaitable[None]], int]] = [
            ("ocr", self._ocr, len(engines)), ("process", self._process, 1),
            ("translate", self._translate, TRANSLATE_CONCURRENCY),
            ("preprocess", self._preprocess, 1), ("inpaint", self._inpaint, 1),
            ("render", self._render, 1),
        ]
        for name, fn, count in runners:
            for _ in range(count):
                self._tasks.append(asyncio.create_task(self._run_stage(name, fn)))
        self._ready = True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        await self.models.aclose()
        self._ready = False

    def submit(self, task: ImageTask) -> None:
        work = _Work(task, next(self._seq))
        self._job_order.setdefault(task.job_id, work.seq)
        self._work[task.image_id] = work
        self._cancelled_jobs.discard(task.job_id)
        queue = self._queues["ocr"]
        position = queue.position(work) + 1
        queue.put(work)
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

    # -- stage bodies ----------------------------------------------------------------------

    def _key(self, work: _Work) -> Key:
        # Unless prioritised: earlier jobs first, and pages in reading order within a job
        # (downloads may finish out of order; the reader reads page 1 first).
        boosted = self._boost.get(work.task.image_id)
        if boosted is not None:
            return boosted
        return (1, self._job_order.get(work.task.job_id, 0), work.task.page_index)

    async def _in(self, stage: str, fn: Callable[[], R]) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._pools[stage], fn)

    async def _ocr(self, work: _Work) -> None:
        limits = work.task.settings.limits
        started = time.perf_counter()
        image = await self._in("ocr", lambda: stages.decode(work.task.data, limits))
        work.timings["decode"] = time.perf_counter() - started
        work.image = image
        engine = await self._idle_ocr.get()
        try:
            work.lines = await self._in("ocr", lambda: stages.ocr(engine, image))
        finally:
            self._idle_ocr.put_nowait(engine)
        work.timings["ocr"] = time.perf_counter() - started - work.timings["decode"]
        self._queues["process"].put(work)

    async def _process(self, work: _Work) -> None:
        assert work.image is not None
        image, lines, source = work.image, work.lines, work.task.settings.source
        layout = await self._in("process", lambda: stages.process(image, lines, source))
        work.layout = layout
        if not layout.blocks:
            work.translations, work.erased = [], image
            await self._join(work)
            return
        self._queues["translate"].put(work)
        self._queues["preprocess"].put(work)

    async def _translate(self, work: _Work) -> None:
        assert work.layout is not None
        settings = work.task.settings
        translator = self.models.translator(settings)
        request = stages.translation_request(work.layout, settings.target, work.task.job_id,
                                             work.task.page_index)
        work.translations = await translator.translate(request)
        await self._join(work)

    async def _preprocess(self, work: _Work) -> None:
        assert work.image is not None and work.layout is not None
        image, layout = work.image, work.layout
        work.erased, work.crops = await self._in(
            "preprocess", lambda: stages.preprocess(image, layout))
        if work.crops:
            self._queues["inpaint"].put(work)
        else:
            await self._join(work)

    async def _inpaint(self, work: _Work) -> None:
        assert work.erased is not None
        erased, crops = work.erased, work.crops
        work.erased = await self._in(
            "inpaint", lambda: stages.inpaint(erased, crops, self.models.inpainter))
        work.crops = []
        await self._join(work)

    async def _join(self, work: _Work) -> None:
        """Called when either half finishes; the second one moves the image on."""
        if work.translations is None or work.erased is None or work.crops:
            return
        self._queues["render"].put(work)

    async def _render(self, work: _Work) -> None:
        assert work.image is not None and work.layout is not None
        assert work.erased is not None and work.translations is not None
        settings = work.task.settings
        original, erased, layout = work.image, work.erased, work.layout
        translations = work.translations
        started = time.perf_counter()
        if settings.translator.name == "none" or not layout.blocks:
            final, blocks = erased, stages.unrendered(layout)
        else:
            final, blocks = await self._in("render", lambda: stages.render(
                original, erased, layout, translations, settings.target, self.models.font))
        # Timed here, not by the stage loop: the result (with its timings) leaves right now.
        work.timings["render"] = time.perf_counter() - started
        self._finish(work, final, blocks)

    # -- plumbing --------------------------------------------------------------------------

    async def _run_stage(self, name: str, body: Callable[[_Work], Awaitable[None]]) -> None:
        queue = self._queues[name]
        while True:
            work = await queue.get()
            if work.finished:
                continue
            if work.task.job_id in self._cancelled_jobs:
                self._fail(work, Cancelled("the job was cancelled"))
                continue
            self._emit(work, "progress", stage=name)
            started = time.perf_counter()
            try:
                await body(work)
            except ItpError as exc:
                self._fail(work, exc)
            except Exception as exc:
                # Last resort: a bug triggered by one image must fail that image alone, never
                # the stage worker serving every other image. Logged with its traceback.
                log.exception("stage %s failed on image %s", name, work.task.image_id)
                self._fail(work, InternalError(f"{name} failed: {type(exc).__name__}: {exc}"))
            finally:
                spent = time.perf_counter() - started
                self.busy[name] = self.busy.get(name, 0.0) + spent
                work.timings.setdefault(name, spent)

    def _finish(self, work: _Work, image: Image, blocks: list[RenderedBlock]) -> None:
        assert work.layout is not None
        result = PageResult(image=image, width=work.layout.width, height=work.layout.height,
                            source=work.layout.source_lang, target=work.task.settings.target,
                            blocks=blocks, timings=dict(work.timings))
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
