"""The life of each image on the server: fetch (or upload), the results cache, the pipeline,
storing the result, and the events a client sees on the way.

Events: `progress {stage: "fetch"}` while downloading, then the pipeline's `queued
{position}` and `progress {stage}`, and finally one terminal event per image: `done
{result_url, cached}` or `error {code, message, retryable}`. One image failing never fails
its job or the server.
What the server holds is bounded by images and by decoded pixels (`scheduler.Load`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from backend.server.cache import Entry, ResultCache, encode_result
from backend.server.config import ServerConfig
from backend.server.fetch import Fetcher
from backend.server.hub import Hub
from backend.server.intake import Intake, inspect
from backend.server.jobs import ImageEntry, Job, JobStore
from backend.server.keys import ResultKeys
from backend.server.metrics import Metrics
from backend.server.payloads import JobSpec
from backend.server.scheduler import Load, PriorityGate
from workers.aio import end
from workers.config import Limits
from workers.errors import Cancelled, InternalError, ItpError, QueueFull
from workers.pipeline.api import ImageTask, Pipeline, PipelineEvent
from workers.types import PageResult

log = logging.getLogger("itp.server")


class JobService:
    def __init__(self, *, config: ServerConfig, store: JobStore, hub: Hub, cache: ResultCache,
                 fetcher: Fetcher, metrics: Metrics, version: str,
                 limits: Limits | None = None) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.cache = cache
        self.fetcher = fetcher
        self.metrics = metrics
        self.version = version
        self._pipeline: Pipeline | None = None
        self._started = asyncio.Event()
        self.start_error: ItpError | None = None
        self._gate = PriorityGate(config.fetch_concurrency)
        self.load = Load(config.max_backlog)
        self._viewport: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.limits = limits or Limits()
        self.keys = ResultKeys(version)
        self.fetching = 0

    # -- pipeline lifecycle ----------------------------------------------------------------

    def attach(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    @property
    def pipeline(self) -> Pipeline:
        assert self._pipeline is not None, "no pipeline attached"
        return self._pipeline

    def mark_started(self, error: ItpError | None = None) -> None:
        self.start_error = error
        if error is None and self._pipeline is not None:
            self.keys.learn(self._pipeline.models_used())
        self._started.set()

    @property
    def ready(self) -> bool:
        return self._started.is_set() and self.start_error is None and self.pipeline.ready

    def backlog(self) -> int:
        return self.load.backlog(self._pipeline.backlog() if self._pipeline else 0)

    def admit(self) -> None:
        """Admission control, before a job or upload is accepted."""
        if self.start_error is not None:
            raise self.start_error
        refusal = self.load.refusal(self._pipeline.backlog() if self._pipeline else 0)
        if refusal is not None:
            self.metrics.jobs_refused += 1
            raise QueueFull(refusal)

    async def close(self) -> None:
        await end(list(self._tasks), "the service's images")
        await self.fetcher.aclose()

    # -- requests --------------------------------------------------------------------------

    def create_job(self, spec: JobSpec) -> Job:
        job = self.store.new_job(spec.settings)
        if spec.session is not None:
            self.hub.follow(spec.session, job.job_id)
        for url, referer in spec.images:
            image = self.store.add_image(job, url, referer)
            self.load.open.add(image.image_id)
            self._spawn(job, image, self._fetch(job, image))
        self.metrics.jobs_created += 1
        log.info("job=%s images=%d source=%s target=%s outcome=accepted", job.job_id,
                 len(job.images), job.settings.source, job.settings.target)
        return job

    async def upload(self, job: Job, data: bytes, url: str) -> ImageEntry:
        """Bytes the client fetched itself: for an image of the job that failed to fetch (or
        is still fetching) when `url` matches it, else a new image of the job. Header checks
        run first, so a bad upload is answered with its error and changes nothing."""
        if job.cancelled:
            raise Cancelled("the job was cancelled")
        checked = await asyncio.to_thread(inspect, data, self.limits,
                                          self.keys.fingerprint(job.settings))
        match = next((i for i in job.images.values() if url and i.url == url), None)
        if match is not None and match.status not in ("fetching", "failed"):
            return match  # already on its way or done: nothing to redo
        image = match or self.store.add_image(job, url)
        if image.task is not None:
            image.task.cancel()
        image.status = "fetching"
        self.load.open.add(image.image_id)
        self._spawn(job, image, self._intake(job, image, data, checked))
        return image

    def cancel(self, job: Job) -> int:
        """Drop the job's waiting work; each image not finished gets `error cancelled`."""
        if job.cancelled:
            return 0
        job.cancelled = True
        open_images = [i for i in job.images.values() if not i.terminal]
        if self._pipeline is not None:
            self._pipeline.cancel_job(job.job_id)  # its own cancelled events arrive here
        for image in open_images:
            if image.task is not None:
                image.task.cancel()
            self._fail(job, image, Cancelled("the job was cancelled"))
        log.info("job=%s cancelled=%d outcome=cancelled", job.job_id, len(open_images))
        return len(open_images)

    def prioritize(self, image_ids: Sequence[str]) -> None:
        wanted = [i for i in dict.fromkeys(image_ids)
                  if (image := self.store.image(i)) is not None and not image.terminal]
        self._viewport = wanted
        self._gate.prioritize(wanted)
        self.load.prioritize(wanted)
        self._prioritize_in_pipeline()

    def _prioritize_in_pipeline(self) -> None:
        queued = [i for i in self._viewport
                  if (image := self.store.image(i)) is not None
                  and image.status in ("queued", "running")]
        if queued and self._pipeline is not None:
            self.pipeline.prioritize(queued)

    # -- one image -------------------------------------------------------------------------

    async def _fetch(self, job: Job, image: ImageEntry) -> None:
        self.fetching += 1
        try:
            # Downloads wait for room: what is downloaded is held until the image ends.
            await self.load.room.take(image.image_id, 1)
            async with self._gate.slot(image.image_id):
                self._emit(job, image, "progress", stage="fetch")
                started = time.perf_counter()
                data = await self.fetcher.fetch(image.url, image.referer)
                self.metrics.fetch_seconds.observe(time.perf_counter() - started)
                # In the slot: while this image waits for room in the pipeline, no other
                # download starts to wait beside it.
                if not await self._enter(job, image, data):
                    return
        except ItpError as exc:
            self._fail(job, image, exc)
            return
        finally:
            self.fetching -= 1
        await self._submit(job, image, data)

    async def _intake(self, job: Job, image: ImageEntry, data: bytes,
                      checked: Intake) -> None:
        if await self._enter(job, image, data, checked):
            await self._submit(job, image, data)

    async def _enter(self, job: Job, image: ImageEntry, data: bytes,
                     checked: Intake | None = None) -> bool:
        """The header check, the results cache, then room in the pipeline for the image's
        decoded pixels. False when the image has ended on the way (failed, or cached)."""
        try:
            intake = checked if checked is not None else await asyncio.to_thread(
                inspect, data, self.limits, self.keys.fingerprint(job.settings))
        except ItpError as exc:
            self._fail(job, image, exc)
            return False
        image.key, image.input_format = intake.key, intake.format
        image.sha256 = intake.sha256
        entry = self.cache.lookup(intake.key)
        if entry is not None:
            self._done(job, image, entry, cached=True)
            return False
        await self.load.enter(image.image_id, intake.width * intake.height)
        return True

    async def _submit(self, job: Job, image: ImageEntry, data: bytes) -> None:
        await self._started.wait()
        if self.start_error is not None:
            self._fail(job, image, self.start_error)
            return
        if job.cancelled or image.terminal:
            self.load.ended(image.image_id)
            return
        image.status = "queued"
        try:
            self.pipeline.submit(ImageTask(image.image_id, job.job_id, data, job.settings,
                                           image.page_index, name=image.url))
        except ItpError as exc:
            self._fail(job, image, exc)
            return
        self.load.submitted.add(image.image_id)
        if image.image_id in self._viewport:
            self._prioritize_in_pipeline()

    def on_pipeline_event(self, event: PipelineEvent) -> None:
        """The pipeline's callback (on the loop thread, must not block)."""
        image = self.store.image(event.image_id)
        job = self.store.job(event.job_id)
        if image is None or job is None:
            return
        if image.terminal:
            # A cancelled image that finished anyway: keep the work for the next request.
            if event.kind == "done" and event.result is not None and image.key:
                self._background(self._store(job, image, event.result))
            return
        if event.kind == "queued":
            image.status = "queued"
            self._emit(job, image, "queued", position=event.position)
        elif event.kind == "progress":
            image.status = "running"
            self._emit(job, image, "progress", stage=event.stage)
        elif event.kind == "done" and event.result is not None:
            image.status = "storing"
            self._background(self._store(job, image, event.result))
        else:
            error = event.error or InternalError(f"the pipeline sent {event.kind} without "
                                                 "a result")
            self._fail(job, image, error)

    async def _store(self, job: Job, image: ImageEntry, result: PageResult) -> None:
        self.keys.learn(result.used)
        # Keyed by what made it: the models are known now, as the stages reported them.
        image.key = self.keys.key(image.sha256, job.settings)
        try:
            data, ext = await asyncio.to_thread(encode_result, result.image,
                                                image.input_format)
            entry = await self.cache.put(image.key, data, ext)
        except (OSError, ValueError, TypeError) as exc:
            log.error("image=%s could not store the result: %s", image.image_id, exc)
            self._fail(job, image, InternalError(f"could not store the result: {exc}"))
            return
        self.metrics.observe_timings(result.timings)
        if not image.terminal:
            self._done(job, image, entry, cached=False)

    def _done(self, job: Job, image: ImageEntry, entry: Entry, *, cached: bool) -> None:
        image.status = "done"
        self.load.ended(image.image_id)
        self.store.record_result(image.image_id, entry.key)
        self.metrics.images_done[cached] += 1
        self._emit(job, image, "done", result_url=f"/v1/results/{image.image_id}",
                   cached=cached)

    def _fail(self, job: Job, image: ImageEntry, error: ItpError) -> None:
        if image.terminal:
            return
        image.status = "failed"
        self.load.ended(image.image_id)
        self.metrics.images_failed[error.code] += 1
        self._emit(job, image, "error", code=error.code, message=error.message,
                   retryable=error.retryable)

    def _emit(self, job: Job, image: ImageEntry, kind: str, **fields: Any) -> None:
        event = {"type": kind, "job_id": job.job_id, "image_id": image.image_id,
                 "url": image.url, **fields}
        stamped = self.hub.publish(job, event)
        level = logging.DEBUG if kind == "progress" else logging.INFO
        log.log(level, "job=%s image=%s seq=%s event=%s %s", job.job_id, image.image_id,
                stamped["seq"], kind, " ".join(f"{k}={v}" for k, v in fields.items()))

    # -- plumbing --------------------------------------------------------------------------

    def _spawn(self, job: Job, image: ImageEntry, work: Coroutine[Any, Any, None]) -> None:
        task = self._background(work)
        image.task = task

        def finished(t: asyncio.Task[None]) -> None:
            if image.task is t:
                image.task = None
            if not t.cancelled() and t.exception() is not None:
                # A bug in this image's path must still end it with a coded event, or its
                # client would wait forever.
                log.error("image=%s failed: %r", image.image_id, t.exception())
                self._fail(job, image, InternalError(f"internal error: {t.exception()!r}"))

        task.add_done_callback(finished)

    def _background(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
