"""Who goes first, and how much the server holds.

`PriorityGate`: a semaphore whose waiters are served by rank, and whose ranks can change while
they wait: image downloads go in reading order, and the images the reader is looking at jump
the line. `Budget`: the same for weighted holds (images, decoded pixels) that outlive the
task that took them. `Load`: the server's images from acceptance to their end, bounded by
both."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

Rank = tuple[int, int, int]


class PriorityGate:
    def __init__(self, slots: int) -> None:
        self._free = max(1, slots)
        self._waiters: dict[str, tuple[Rank, asyncio.Future[None]]] = {}
        self._order = itertools.count()
        self._epoch = itertools.count(1)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @asynccontextmanager
    async def slot(self, name: str) -> AsyncIterator[None]:
        """Hold one slot; `name` is what `prioritize` refers to."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters[name] = ((1, next(self._order), 0), future)
            try:
                await future
            except asyncio.CancelledError:
                if self._waiters.pop(name, None) is None and future.done() \
                        and not future.cancelled():
                    self._release()  # the slot was handed over just as we were cancelled
                raise
        try:
            yield
        finally:
            self._release()

    def prioritize(self, names: Sequence[str]) -> None:
        """These go first, in this order, ahead of any earlier call's."""
        epoch = next(self._epoch)
        for i, name in enumerate(names):
            waiting = self._waiters.get(name)
            if waiting is not None:
                self._waiters[name] = ((0, -epoch, i), waiting[1])

    def _release(self) -> None:
        if not self._waiters:
            self._free += 1
            return
        name = min(self._waiters, key=lambda n: self._waiters[n][0])
        _, future = self._waiters.pop(name)
        future.set_result(None)


# What one image of --max-backlog stands for in decoded pixels: a manga page is about 2 Mpx,
# a webtoon strip of 800 x 20,000 counts as eight images.
PIXELS_PER_IMAGE = 2_000_000


class Budget:
    """A weighted semaphore whose waiters are served by rank (as `PriorityGate`), the head of
    the line first: a large image waits for room rather than being overtaken forever by small
    ones. Holders are named, and give back when the image is finished, from whichever task
    sees that. A request larger than the whole budget is granted once nothing else holds."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self.used = 0
        self._held: dict[str, int] = {}
        self._waiters: dict[str, tuple[Rank, int, asyncio.Future[None]]] = {}
        self._order = itertools.count()
        self._epoch = itertools.count(1)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def holds(self, name: str) -> bool:
        return name in self._held

    async def take(self, name: str, amount: int) -> None:
        """Wait for room for `amount` and hold it under `name` (re-taking gives back first)."""
        self.give_back(name)
        amount = min(max(0, amount), self.capacity)
        if not self._waiters and self.used + amount <= self.capacity:
            self._grant(name, amount)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[name] = ((1, next(self._order), 0), amount, future)
        try:
            await future
        except asyncio.CancelledError:
            if self._waiters.pop(name, None) is None:
                self.give_back(name)  # granted just as it was cancelled
            self._wake()
            raise

    def give_back(self, name: str) -> None:
        amount = self._held.pop(name, None)
        if amount is not None:
            self.used -= amount
            self._wake()

    def prioritize(self, names: Sequence[str]) -> None:
        epoch = next(self._epoch)
        for i, name in enumerate(names):
            waiting = self._waiters.get(name)
            if waiting is not None:
                self._waiters[name] = ((0, -epoch, i), waiting[1], waiting[2])
        self._wake()

    def _grant(self, name: str, amount: int) -> None:
        self._held[name] = amount
        self.used += amount

    def _wake(self) -> None:
        while self._waiters:
            name = min(self._waiters, key=lambda n: self._waiters[n][0])
            _, amount, future = self._waiters[name]
            if self.used + amount > self.capacity and self._held:
                return
            del self._waiters[name]
            self._grant(name, amount)
            future.set_result(None)


class Load:
    """What the server holds for its images, from acceptance to their end, and the two
    budgets that bound it: `room` (one unit per image holding bytes) and `pixels` (decoded
    pixels, from the header, of the images in the pipeline or being stored)."""

    def __init__(self, max_images: int) -> None:
        self.max_images = max_images
        self.room = Budget(max_images)
        self.pixels = Budget(max_images * PIXELS_PER_IMAGE)
        self.open: set[str] = set()  # accepted, not ended
        self.sizes: dict[str, int] = {}  # decoded pixels, once the header is read
        self.submitted: set[str] = set()  # the pipeline has them

    def backlog(self, in_pipeline: int) -> int:
        """Images past their download (waiting for the pipeline, in it, being stored), plus
        the pipeline's own (`in_pipeline`) that are not this server's (Redis mode)."""
        return len(self.sizes) + self._foreign(in_pipeline)

    def _foreign(self, in_pipeline: int) -> int:
        return max(0, in_pipeline - len(self.submitted))

    async def enter(self, image_id: str, pixels: int) -> None:
        """An image holds bytes now (downloaded or uploaded): its unit of room (an upload
        takes it here), then room for its decoded pixels in the pipeline."""
        self.sizes[image_id] = pixels
        if not self.room.holds(image_id):
            await self.room.take(image_id, 1)
        await self.pixels.take(image_id, pixels)

    def refusal(self, in_pipeline: int) -> str | None:
        """Why a new job or upload is refused now (None: it is not). `in_pipeline` is the
        pipeline's backlog: what is not this server's waits for the same workers."""
        waiting = len(self.open) + self._foreign(in_pipeline)
        pixels = sum(self.sizes.values())
        if waiting <= self.max_images and pixels <= self.pixels.capacity:
            return None
        return (f"{waiting} images ({pixels / 1e6:.0f} Mpx decoded) are waiting (limits "
                f"{self.max_images} images, {self.pixels.capacity / 1e6:.0f} Mpx); retry later")

    def prioritize(self, names: Sequence[str]) -> None:
        self.room.prioritize(names)
        self.pixels.prioritize(names)

    def ended(self, image_id: str) -> None:
        self.open.discard(image_id)
        self.sizes.pop(image_id, None)
        self.submitted.discard(image_id)
        self.room.give_back(image_id)
        self.pixels.give_back(image_id)
