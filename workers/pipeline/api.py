"""What a transport-independent pipeline looks like from outside (CLI, server).

`EmbeddedPipeline` (asyncio queues, one process) implements it; the Redis transport offers the
same calls. Results and failures arrive as `PipelineEvent`s through the `on_event` callback,
which is called on the event loop thread and must not block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from workers.config import JobSettings
from workers.errors import ItpError
from workers.graph import NAMES
from workers.types import PageResult

# What `progress` events name: decoding (inside the ocr stage), then every stage.
STAGES: tuple[str, ...] = ("decode", *NAMES)

EventKind = Literal["queued", "progress", "done", "error"]


@dataclass(frozen=True, slots=True)
class ImageTask:
    """One image to translate. `data` is the encoded file as received (decoded in a worker
    thread, after the format/size checks). `page_index` is its place in the job's reading
    order: the default priority, and what a translator uses for chapter context."""

    image_id: str
    job_id: str
    data: bytes
    settings: JobSettings
    page_index: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class PipelineEvent:
    kind: EventKind
    image_id: str
    job_id: str
    stage: str = ""
    position: int = 0
    result: PageResult | None = None
    error: ItpError | None = None


EventCallback = Callable[[PipelineEvent], None]


class Pipeline(Protocol):
    @property
    def ready(self) -> bool: ...

    async def start(self) -> None:
        """Load and warm the models; `ready` is True afterwards."""

    async def stop(self) -> None: ...

    def submit(self, task: ImageTask) -> None:
        """Queue an image; a `queued` event follows at once."""

    def prioritize(self, image_ids: Sequence[str]) -> None:
        """Move these images to the front of every stage queue, in the given order."""

    def cancel_job(self, job_id: str) -> int:
        """Drop the job's queued work; returns how many images were dropped."""

    def backlog(self) -> int:
        """Images submitted and not yet done or failed."""

    def models_used(self) -> dict[str, str]:
        """The models this pipeline's results are made with, by role (as in
        `PageResult.used`), as far as it knows before any result (the results cache keys
        on them); empty when only the results will tell."""
