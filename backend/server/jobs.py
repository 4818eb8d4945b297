"""Jobs and their images as the server tracks them, and each job's event log.

Every event a job produces is kept (stamped with its `seq`) so that a client that missed some,
after a reconnect or a dropped buffer, gets exactly those again. The log is bounded: past its
cap the oldest half is dropped, and a client asking from before that point gets each image's
latest event instead (which is all a client needs to show the current state).
"""

from __future__ import annotations

import asyncio
import bisect
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from workers.config import JobSettings

Status = Literal["fetching", "queued", "running", "storing", "done", "failed"]
Event = dict[str, Any]
TERMINAL: frozenset[Status] = frozenset({"done", "failed"})


def new_id() -> str:
    return secrets.token_urlsafe(12)


@dataclass(eq=False)
class ImageEntry:
    image_id: str
    job_id: str
    url: str
    referer: str
    page_index: int
    status: Status = "fetching"
    # The results-cache key and the input's format, once the bytes are known.
    key: str = ""
    sha256: str = ""
    input_format: str = ""
    last_event: Event | None = None
    task: asyncio.Task[None] | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(eq=False)
class Job:
    job_id: str
    settings: JobSettings
    images: dict[str, ImageEntry] = field(default_factory=dict)
    log: list[Event] = field(default_factory=list)
    # Events up to this seq were dropped from the log.
    log_floor: int = 0
    cancelled: bool = False

    @property
    def finished(self) -> bool:
        return all(image.terminal for image in self.images.values())

    def append(self, event: Event) -> None:
        self.log.append(event)
        image = self.images.get(str(event.get("image_id", "")))
        if image is not None:
            image.last_event = event
        cap = 16 * max(1, len(self.images)) + 64
        if len(self.log) > cap:
            drop = len(self.log) // 2
            self.log_floor = int(self.log[drop - 1]["seq"])
            del self.log[:drop]

    def events_after(self, seq: int) -> list[Event]:
        """The events a client that has seen up to `seq` has missed, in order."""
        if seq >= self.log_floor:
            start = bisect.bisect_right([int(e["seq"]) for e in self.log], seq)
            return self.log[start:]
        latest = [image.last_event for image in self.images.values()
                  if image.last_event is not None and int(image.last_event["seq"]) > seq]
        return sorted(latest, key=lambda e: int(e["seq"]))

    def describe(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "cancelled": self.cancelled, "finished": self.finished,
            "images": [{"image_id": i.image_id, "url": i.url, "status": i.status,
                        "last_event": i.last_event} for i in self.images.values()],
        }


class JobStore:
    def __init__(self, max_jobs: int = 256, max_results: int = 100_000,
                 on_evict: Callable[[str], None] | None = None) -> None:
        self.max_jobs = max_jobs
        self._on_evict = on_evict
        self.max_results = max_results
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.images: dict[str, ImageEntry] = {}
        # image_id -> results-cache key; outlives the job so results stay fetchable.
        self._results: OrderedDict[str, str] = OrderedDict()

    def new_job(self, settings: JobSettings) -> Job:
        self._evict()
        job = Job(new_id(), settings)
        self.jobs[job.job_id] = job
        return job

    def add_image(self, job: Job, url: str, referer: str = "") -> ImageEntry:
        image = ImageEntry(new_id(), job.job_id, url, referer, len(job.images))
        job.images[image.image_id] = image
        self.images[image.image_id] = image
        return image

    def job(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def image(self, image_id: str) -> ImageEntry | None:
        return self.images.get(image_id)

    def record_result(self, image_id: str, key: str) -> None:
        self._results[image_id] = key
        self._results.move_to_end(image_id)
        while len(self._results) > self.max_results:
            self._results.popitem(last=False)

    def result_key(self, image_id: str) -> str | None:
        return self._results.get(image_id)

    def _evict(self) -> None:
        """Make room for one more job by forgetting the oldest finished ones; unfinished
        jobs are never forgotten (admission control bounds them)."""
        for job_id in [j.job_id for j in self.jobs.values() if j.finished]:
            if len(self.jobs) < self.max_jobs:
                break
            job = self.jobs.pop(job_id)
            for image_id in job.images:
                self.images.pop(image_id, None)
            if self._on_evict is not None:
                self._on_evict(job_id)
