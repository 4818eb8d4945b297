"""The CPU's cores go to the earliest page first (`workers.cores`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from workers.cores import Cores, Order


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.001)


def _waiter(cores: Cores, order: Order, weight: int, ran: list[Order]) -> threading.Thread:
    def body() -> None:
        with cores.held(order, weight):
            ran.append(order)

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def _holder(cores: Cores, order: Order, release: threading.Event) -> threading.Thread:
    """A thread holding one core for `order` until `release` is set."""
    def body() -> None:
        with cores.held(order):
            release.wait()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_the_earliest_page_gets_the_next_free_core_whenever_it_asked() -> None:
    cores = Cores(1)
    ran: list[Order] = []
    release = threading.Event()
    first = _holder(cores, (5,), release)
    _until(lambda: cores.free == 0, "the holder takes the core")
    late = _waiter(cores, (1, 0, 9), 1, ran)
    _until(lambda: cores.waiting == 1, "page 9 waits")
    early = _waiter(cores, (1, 0, 2), 1, ran)
    _until(lambda: cores.waiting == 2, "page 2 waits")
    release.set()
    for thread in (first, late, early):
        thread.join(10)
    assert ran == [(1, 0, 2), (1, 0, 9)]
    assert cores.free == 1


def test_a_section_needing_more_cores_than_are_free_waits_and_holds_the_line() -> None:
    cores = Cores(2)
    ran: list[Order] = []
    release = threading.Event()
    first = _holder(cores, (0,), release)
    _until(lambda: cores.free == 1, "the holder takes one core")
    wide = _waiter(cores, (1,), 2, ran)
    _until(lambda: cores.waiting == 1, "the two-core section waits")
    # A later page would fit in the free core, but the earlier one is first in line.
    narrow = _waiter(cores, (2,), 1, ran)
    _until(lambda: cores.waiting == 2, "the later page waits behind it")
    assert ran == []
    release.set()
    for thread in (first, wide, narrow):
        thread.join(10)
    assert ran == [(1,), (2,)]
    assert cores.free == 2


def test_sections_nest_and_weightless_ones_never_wait() -> None:
    cores = Cores(1)
    with cores.held((3,)):
        assert cores.free == 0
        with cores.held((1,)):  # the same thread: no second core, no deadlock
            assert cores.free == 0
        with cores.held((9,), weight=0):
            pass
    assert cores.free == 1
    # Asking for more cores than there are takes all of them.
    with cores.held((0,), weight=5):
        assert cores.free == 0
    assert cores.free == 1


def test_a_section_that_raises_gives_its_cores_back() -> None:
    cores = Cores(2)
    try:
        with cores.held((0,), weight=2):
            raise ValueError("boom")
    except ValueError:
        pass
    assert cores.free == 2


def test_a_lama_call_gets_two_threads_on_two_cores_and_half_on_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from workers.config import MachineSettings
    from workers.pipeline import models

    def budget(cores: int, threads: int = 0) -> int:
        monkeypatch.setattr(os, "cpu_count", lambda: cores)
        return models.thread_budget(MachineSettings(threads=threads))

    assert [budget(n) for n in (1, 2, 3, 4, 8, 16)] == [1, 2, 2, 2, 4, 8]
    assert budget(8, threads=3) == 3
