"""What moves work between stage workers: the transport interface and its values.

A transport carries `Message`s (an image's blob references) through named stage queues with
at-least-once delivery, keeps each image's ledger (active or finished, its settings, the
join of its two halves), and carries events back to the server. Two implementations keep
the same contract: `memory` (one process, asyncio) and `redis_streams` (Redis Streams with
consumer groups). The roles are small protocols; one object plays them all.

Every write that moves an image on is conditional on the image still being active: after a
cancel or a finish, late or replayed work is acknowledged and dropped, never enqueued again.
And it is conditional on the delivery acknowledging its entry: a message reclaimed from a
slow worker and finished by another is a duplicate when the slow one finishes too, and
changes nothing (no second next stage, no failure of an image that moved on, no freeing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

# The queues and the join come from the stage graph (its one description).
from workers.graph import JOIN_HALVES, JOIN_STAGE, STAGE_QUEUES

__all__ = ["JOIN_HALVES", "JOIN_QUEUE", "STAGE_QUEUES"]
JOIN_QUEUE = JOIN_STAGE
STAGE_NAMES: tuple[str, ...] = tuple(STAGE_QUEUES)
QUEUE_NAMES: tuple[str, ...] = tuple(q for qs in STAGE_QUEUES.values() for q in qs)

EventKind = Literal["progress", "done", "error"]
Pairs = tuple[tuple[str, str], ...]
Timings = tuple[tuple[str, float], ...]


def stage_of(queue: str) -> str:
    """The consumer group (stage) a queue belongs to: `inpaint:long` -> `inpaint`."""
    return queue.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Message:
    """One image's work for a stage: named references to blobs, never the pixels."""

    image_id: str
    job_id: str
    refs: Pairs = ()

    def ref(self, name: str) -> str:
        for key, value in self.refs:
            if key == name:
                return value
        raise KeyError(f"message for image {self.image_id} has no {name!r} reference")


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message handed to one consumer; `deliveries` counts this one."""

    queue: str
    entry_id: str
    message: Message
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class Event:
    """What the server hears about an image. `result` is the blob holding the PageResult."""

    kind: EventKind
    image_id: str
    job_id: str
    stage: str = ""
    result: str = ""
    code: str = ""
    message: str = ""
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """The ledger's record of an active image. `settings` is serialized `Settings`."""

    image_id: str
    job_id: str
    settings: str
    page_index: int = 0
    name: str = ""
    timings: Timings = ()


@dataclass(frozen=True, slots=True)
class Step:
    """What a stage commits together with its acknowledgement, atomically."""

    next: tuple[tuple[str, Message], ...] = ()
    timings: Timings = ()


@dataclass(frozen=True, slots=True)
class DeadLetter:
    queue: str
    entry_id: str
    message: Message
    deliveries: int
    reason: str


class Queues(Protocol):
    async def enqueue(self, queue: str, message: Message) -> None: ...

    async def consume(self, queues: Sequence[str], consumer: str, count: int, block_s: float,
                      *, own_pending: bool = False) -> list[Delivery]:
        """New messages for `consumer` (at most `count`, waiting up to `block_s`); with
        `own_pending`, the ones it was handed before and never acknowledged (a restart)."""

    async def ack(self, delivery: Delivery, step: Step | None = None) -> bool:
        """Acknowledge and, atomically, enqueue `step.next` and record its timings — only
        while the image is active. False when this call acknowledged the message of an image
        no longer active (what the stage wrote is nobody's: the caller frees it); True
        otherwise, also for a duplicate (already acknowledged), which changes nothing."""


class Leases(Protocol):
    async def reclaim(self, queues: Sequence[str], consumer: str, min_idle_s: float,
                      count: int) -> list[Delivery]:
        """Take over messages no one has touched for `min_idle_s` (their consumer died)."""

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        """Heartbeat: reset the idle time of the ones `consumer` still owns."""

    async def release(self, consumer: str, deliveries: Sequence[Delivery], *,
                      failed: bool = False) -> None:
        """Hand back: the next `reclaim` anywhere takes them at once. The delivery counts
        as a try only when `failed` (the stage crashed on it); a hand-back for any other
        reason (the input is on another host, the worker stops) does not."""


class Join(Protocol):
    async def join(self, delivery: Delivery, halves: Pairs, base: Pairs,
                   timings: Timings = ()) -> bool:
        """Record this half (or both) of the image's join and acknowledge; whichever call
        completes the pair enqueues the render message, exactly once. Returns like `ack`:
        False only when this call acknowledged the message of an image no longer active."""


class Ledger(Protocol):
    async def open(self, info: ImageInfo, queue: str, first: Message) -> None:
        """Mark the image active and enqueue its first message, atomically."""

    async def info(self, image_id: str) -> ImageInfo | None:
        """The image's record while it is active; None once finished, cancelled or unknown."""

    async def known(self, image_ids: Sequence[str]) -> list[bool]:
        """Whether the ledger holds a record of each image at all (active, or finished a
        short while ago): False for an image it never had, or lost with Redis's data."""

    async def finish(self, event: Event, delivery: Delivery | None = None,
                     dead: DeadLetter | None = None, timings: Timings = ()) -> bool:
        """The image's terminal event (done/error) with the acknowledgement of `delivery`,
        the dead letter and the last stage's timings, atomically. Only the first finish of
        an image emits; it returns False for every later one (replays, duplicates, a cancel
        that came first)."""


class Events(Protocol):
    async def publish(self, event: Event) -> None: ...

    async def read_events(self, consumer: str, count: int,
                          block_s: float) -> list[tuple[str, Event]]:
        """Events for `consumer`: first those it was given before and has not acknowledged
        (a restart, or events it could not handle yet), then new ones."""

    async def ack_events(self, entry_ids: Sequence[str]) -> None: ...


class Control(Protocol):
    async def prioritize(self, image_ids: Sequence[str]) -> None:
        """These images first, in this order, in every queue (as workers pick)."""

    async def priorities(self, image_ids: Sequence[str]) -> list[float | None]:
        """Each image's priority (lower first); None for an image never prioritized."""

    async def backlog(self, exclude: Sequence[str] = ()) -> int:
        """Active images, leaving out `exclude` (the ones the caller counts itself)."""


class Transport(Queues, Leases, Join, Ledger, Events, Control, Protocol):
    # Exceptions that mean "the transport is unreachable right now": retried, never a verdict
    # on the image.
    transient: tuple[type[Exception], ...]
    # Exceptions that mean "the transport refused this call" (Redis answered with an error:
    # out of memory, a read-only replica): the call did not happen; tried again later, never
    # a verdict on the image. A full store raises `StoreFull` (queue_full) instead.
    refused: tuple[type[Exception], ...]

    async def setup(self) -> None:
        """Create the queues and consumer groups (idempotent)."""

    async def lost(self) -> bool:
        """Whether the transport lost its state since `setup` or the previous call (Redis
        restarted without its append-only file, or was flushed): True once per loss. The
        queues are made again by then; whatever was in flight is gone."""

    async def close(self) -> None: ...

    async def dead_letters(self) -> list[DeadLetter]: ...

    async def busy(self) -> dict[str, float]:
        """Seconds spent per stage, summed over every worker (for benchmarks)."""
