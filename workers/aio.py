"""Ending asyncio tasks for certain, for the server, the pipelines and the workers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)
# How long a cancelled task has to end before it is cancelled again, and before the wait
# is logged.
RECANCEL_S = 1.0
SLOW_END_S = 10.0


async def end(tasks: Iterable[asyncio.Future[Any]], what: str) -> list[Any]:
    """Cancel the tasks and wait until every one has ended; their outcomes (results or
    exceptions), as `gather(..., return_exceptions=True)` gives them.

    A task still running after RECANCEL_S is cancelled again: on Python 3.11,
    `asyncio.wait_for` returns its inner result and drops a cancellation that arrives in
    the step its inner task finishes, and redis-py wraps every socket write in one, so a
    single `cancel()` of a loop around Redis calls is sometimes lost and the loop goes on
    (a shutdown that waited for it hung for good)."""
    tasks = list(tasks)
    pending = {t for t in tasks if not t.done()}
    started = time.monotonic()
    warned = False
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_S)
        waited = time.monotonic() - started
        if pending and waited >= SLOW_END_S and not warned:
            warned = True
            log.warning("%s: %d task(s) still ending after %.0fs", what, len(pending), waited)
    return await asyncio.gather(*tasks, return_exceptions=True)


async def end_shielded(task: asyncio.Future[Any], what: str) -> None:
    """`end` for a task whose owner is being cancelled: a second cancellation of the owner
    while it waits must not leave the task running unowned."""
    while not task.done():
        try:
            await end([task], what)
        except asyncio.CancelledError:
            continue
    if not task.cancelled():
        task.exception()  # retrieved: the owner's cancellation is what is reported
