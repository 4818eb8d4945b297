"""A stage queue whose order can change while items wait (viewport-first prioritisation)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Key = tuple[int, int, int]


class StageQueue(Generic[T]):
    """Items are taken lowest key first; `key` is looked up at `get` time, so re-prioritising
    an image reorders every queue it waits in without touching them. Queues are short (one
    chapter), so a linear scan beats keeping a heap consistent under key changes."""

    def __init__(self, key: Callable[[T], Key]) -> None:
        self._key = key
        self._items: list[T] = []
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        self._items.append(item)
        self._ready.set()

    async def get(self) -> T:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        best = min(range(len(self._items)), key=lambda i: self._key(self._items[i]))
        item = self._items.pop(best)
        return item

    def remove_if(self, predicate: Callable[[T], bool]) -> list[T]:
        dropped = [it for it in self._items if predicate(it)]
        self._items = [it for it in self._items if not predicate(it)]
        return dropped

    def position(self, item: T) -> int:
        """How many items would be taken before this one."""
        mine = self._key(item)
        return sum(1 for it in self._items if self._key(it) < mine)
