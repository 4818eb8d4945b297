"""The in-process transport: the Redis transport's contract over plain dicts and asyncio.

It exists to state the contract in the simplest terms and to run the stage workers without
Redis in tests. Everything happens on one event loop, so each method is atomic by
construction (no awaits inside a state change).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from workers.transport.base import (
    JOIN_HALVES,
    JOIN_QUEUE,
    DeadLetter,
    Delivery,
    Event,
    ImageInfo,
    Message,
    Pairs,
    Step,
    Timings,
)


@dataclass(slots=True)
class _Lease:
    consumer: str
    since: float
    count: int


@dataclass(slots=True)
class _Queue:
    entries: dict[str, Message] = field(default_factory=dict)
    fresh: deque[str] = field(default_factory=deque)
    leases: dict[str, _Lease] = field(default_factory=dict)


@dataclass(slots=True)
class _Image:
    info: ImageInfo
    state: str = "active"
    timings: dict[str, float] = field(default_factory=dict)
    halves: dict[str, str] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)
    joined: bool = False


class MemoryTransport:
    transient: tuple[type[Exception], ...] = ()
    refused: tuple[type[Exception], ...] = ()

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._queues: dict[str, _Queue] = {}
        self._images: dict[str, _Image] = {}
        self._prio: dict[str, float] = {}
        self._epoch = 0
        self._events: deque[tuple[str, Event]] = deque()
        # Read and not acknowledged yet: handed out again before new ones.
        self._unacked: dict[str, Event] = {}
        self._dead: list[DeadLetter] = []
        self._busy: dict[str, float] = {}
        self._changed = asyncio.Event()

    async def setup(self) -> None:
        return None

    async def lost(self) -> bool:
        return False  # it lives and dies with its process

    async def close(self) -> None:
        return None

    # -- queues ------------------------------------------------------------------------------

    def _queue(self, name: str) -> _Queue:
        return self._queues.setdefault(name, _Queue())

    def _wake(self) -> None:
        # A fresh Event per change: every waiter of the old one wakes, none misses a change.
        self._changed.set()
        self._changed = asyncio.Event()

    def _put(self, queue: str, message: Message) -> None:
        entry_id = f"{next(self._ids)}-0"
        q = self._queue(queue)
        q.entries[entry_id] = message
        q.fresh.append(entry_id)
        self._wake()

    async def enqueue(self, queue: str, message: Message) -> None:
        self._put(queue, message)

    async def consume(self, queues: Sequence[str], consumer: str, count: int, block_s: float,
                      *, own_pending: bool = False) -> list[Delivery]:
        now = time.monotonic()
        if own_pending:
            out = []
            for name in queues:
                q = self._queue(name)
                for entry_id, lease in q.leases.items():
                    if lease.consumer == consumer:
                        lease.count += 1
                        lease.since = now
                        out.append(Delivery(name, entry_id, q.entries[entry_id], lease.count))
            return out
        deadline = now + block_s
        while True:
            out = []
            for name in queues:
                q = self._queue(name)
                while q.fresh and len(out) < count:
                    entry_id = q.fresh.popleft()
                    q.leases[entry_id] = _Lease(consumer, time.monotonic(), 1)
                    out.append(Delivery(name, entry_id, q.entries[entry_id], 1))
            remaining = deadline - time.monotonic()
            if out or remaining <= 0:
                return out
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return []

    def _drop(self, delivery: Delivery) -> bool:
        """Acknowledge; False when the entry was acknowledged already (a duplicate)."""
        q = self._queue(delivery.queue)
        q.leases.pop(delivery.entry_id, None)
        return q.entries.pop(delivery.entry_id, None) is not None

    def _active(self, image_id: str) -> _Image | None:
        image = self._images.get(image_id)
        return image if image is not None and image.state == "active" else None

    def _record(self, image: _Image, timings: Timings) -> None:
        for stage, seconds in timings:
            image.timings[stage] = seconds
            self._busy[stage] = self._busy.get(stage, 0.0) + seconds

    async def ack(self, delivery: Delivery, step: Step | None = None) -> bool:
        if not self._drop(delivery):
            return True
        image = self._active(delivery.message.image_id)
        if image is None:
            return False
        step = step or Step()
        self._record(image, step.timings)
        for queue, message in step.next:
            self._put(queue, message)
        return True

    # -- leases ------------------------------------------------------------------------------

    async def reclaim(self, queues: Sequence[str], consumer: str, min_idle_s: float,
                      count: int) -> list[Delivery]:
        now = time.monotonic()
        out: list[Delivery] = []
        for name in queues:
            q = self._queue(name)
            for entry_id, lease in q.leases.items():
                if len(out) >= count:
                    return out
                if now - lease.since >= min_idle_s:
                    lease.consumer, lease.since = consumer, now
                    lease.count += 1
                    out.append(Delivery(name, entry_id, q.entries[entry_id], lease.count))
        return out

    def _leases(self, consumer: str, deliveries: Sequence[Delivery]) -> list[_Lease]:
        found = [self._queue(d.queue).leases.get(d.entry_id) for d in deliveries]
        return [lease for lease in found if lease is not None and lease.consumer == consumer]

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        for lease in self._leases(consumer, deliveries):
            lease.since = time.monotonic()

    async def release(self, consumer: str, deliveries: Sequence[Delivery], *,
                      failed: bool = False) -> None:
        for lease in self._leases(consumer, deliveries):
            lease.since = float("-inf")
            if not failed:
                lease.count = max(lease.count - 1, 0)

    # -- join --------------------------------------------------------------------------------

    async def join(self, delivery: Delivery, halves: Pairs, base: Pairs,
                   timings: Timings = ()) -> bool:
        if not self._drop(delivery):
            return True
        image = self._active(delivery.message.image_id)
        if image is None:
            return False
        self._record(image, timings)
        image.halves.update(halves)
        image.base.update(base)
        if image.joined or any(h not in image.halves for h in JOIN_HALVES):
            return True
        image.joined = True
        refs = tuple(image.base.items()) + tuple((h, image.halves[h]) for h in JOIN_HALVES)
        self._put(JOIN_QUEUE, Message(image.info.image_id, image.info.job_id, refs))
        return True

    # -- ledger ------------------------------------------------------------------------------

    async def open(self, info: ImageInfo, queue: str, first: Message) -> None:
        self._images[info.image_id] = _Image(info)
        self._put(queue, first)

    async def info(self, image_id: str) -> ImageInfo | None:
        image = self._active(image_id)
        if image is None:
            return None
        return replace(image.info, timings=tuple(image.timings.items()))

    async def known(self, image_ids: Sequence[str]) -> list[bool]:
        return [i in self._images for i in image_ids]

    async def finish(self, event: Event, delivery: Delivery | None = None,
                     dead: DeadLetter | None = None, timings: Timings = ()) -> bool:
        if delivery is not None and not self._drop(delivery):
            return False  # a duplicate: whoever acknowledged it first moved the image on
        if dead is not None:
            self._dead.append(dead)
        image = self._active(event.image_id)
        if image is None:
            return False
        self._record(image, timings)
        image.state = event.kind
        self._prio.pop(event.image_id, None)
        await self.publish(event)
        return True

    # -- events ------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        self._events.append((f"{next(self._ids)}-0", event))
        self._wake()

    async def read_events(self, consumer: str, count: int,
                          block_s: float) -> list[tuple[str, Event]]:
        if self._unacked:
            return list(self._unacked.items())[:count]
        deadline = time.monotonic() + block_s
        while not self._events:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return []
        got = [self._events.popleft() for _ in range(min(count, len(self._events)))]
        self._unacked.update(got)
        return got

    async def ack_events(self, entry_ids: Sequence[str]) -> None:
        for entry_id in entry_ids:
            self._unacked.pop(entry_id, None)

    # -- control -----------------------------------------------------------------------------

    async def prioritize(self, image_ids: Sequence[str]) -> None:
        self._epoch += 1
        for i, image_id in enumerate(image_ids):
            if self._active(image_id) is not None:
                self._prio[image_id] = -self._epoch * 1e6 + i

    async def priorities(self, image_ids: Sequence[str]) -> list[float | None]:
        return [self._prio.get(i) for i in image_ids]

    async def backlog(self, exclude: Sequence[str] = ()) -> int:
        skip = set(exclude)
        return sum(1 for k, v in self._images.items() if v.state == "active" and k not in skip)

    async def dead_letters(self) -> list[DeadLetter]:
        return list(self._dead)

    async def busy(self) -> dict[str, float]:
        return dict(self._busy)
