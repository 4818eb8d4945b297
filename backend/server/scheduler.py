"""A semaphore whose waiters are served by rank, and whose ranks can change while they wait:
image downloads go in reading order, and the images the reader is looking at jump the line."""

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
