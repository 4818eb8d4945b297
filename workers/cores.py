"""The process's CPU cores, handed out by page order: the earliest page's work runs first.

The stages of the embedded pipeline run in threads of their own (an OCR engine per core,
analysis, inpainting, lettering), so more threads want the CPU than there are cores, and the
OS shares the cores evenly: on two cores, page 1's inpainting took 3.6 s beside pages 2 and
3 being read against 2.3 s alone, and the first result waited for it. Each compute section
(one OCR model call, one page's analysis, one inpainting call, one page's lettering) takes
its cores here first; when they are short, the section waiting for the earliest page gets
the next free ones. Sections are short, so the earliest page waits at most for one section
to end. A section of several cores (inpainting on a larger machine) holds the line until
that many are free: the cores left idle meanwhile are the price of its turn.

A thread holding cores that enters another section goes on without taking more (sections
nest). Nothing waits on another thread while holding cores, so nothing deadlocks.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

Order = tuple[int, ...]

_held = threading.local()


def available() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Cores:
    """`count` cores, lent to sections in page order (the module's doc)."""

    def __init__(self, count: int) -> None:
        self._count = max(1, count)
        self._free = self._count
        self._cond = threading.Condition()
        self._waiting: list[tuple[Order, int, int]] = []
        self._tickets = itertools.count()

    @property
    def free(self) -> int:
        with self._cond:
            return self._free

    def resize(self, count: int) -> None:
        """Hands out `count` cores from now on (a benchmark's "no order" run gives out more
        than there are, so that every section runs at once, as without this module)."""
        with self._cond:
            self._free += max(1, count) - self._count
            self._count = max(1, count)
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    @contextmanager
    def held(self, order: Order, weight: int = 1) -> Iterator[None]:
        """Runs the block on `weight` cores (at most all of them; 0: a section that keeps
        no core busy, such as a call to a GPU), taken in page order."""
        weight = min(max(weight, 0), self._count)
        if weight == 0 or getattr(_held, "depth", 0) > 0:
            yield
            return
        with self._cond:
            ticket = (tuple(order), next(self._tickets), weight)
            heapq.heappush(self._waiting, ticket)
            self._cond.wait_for(lambda: self._waiting[0] is ticket and self._free >= weight)
            heapq.heappop(self._waiting)
            self._free -= weight
            # The next in line may fit in what is left.
            self._cond.notify_all()
        try:
            with _nested():
                yield
        finally:
            with self._cond:
                self._free += weight
                self._cond.notify_all()


@contextmanager
def _nested() -> Iterator[None]:
    _held.depth = getattr(_held, "depth", 0) + 1
    try:
        yield
    finally:
        _held.depth -= 1


# One per process: the cores are the process's, whichever pipeline or worker runs in it.
CORES = Cores(available())
