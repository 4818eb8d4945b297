"""Riding out a transport outage (a Redis restart): retry with backoff, then give up; wait
for a transport that is not there yet; and keep the long-lived loops around a transport
(events, heartbeat, reaper, upkeep) alive."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from workers.aio import end_shielded

log = logging.getLogger(__name__)
T = TypeVar("T")


async def patiently(fn: Callable[[], Awaitable[T]], transient: tuple[type[Exception], ...],
                    retry_s: float) -> T:
    """`fn()`, retried while it raises one of `transient`, for up to `retry_s` seconds."""
    deadline = time.monotonic() + retry_s
    delay = 0.1
    while True:
        try:
            return await fn()
        except transient as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("transport unreachable (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def until_reachable(fn: Callable[[], Awaitable[T]],
                          transient: tuple[type[Exception], ...], what: str) -> T:
    """`fn()`, retried for as long as it raises one of `transient`: a process started before
    its Redis (a compose stack starts everything at once; Redis may be down for minutes)
    waits for it instead of giving up."""
    delay = 0.2
    while True:
        try:
            return await fn()
        except transient as exc:
            log.warning("waiting for %s: %s", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def supervise(name: str, body: Callable[[], Awaitable[None]], *,
                    first_delay_s: float = 0.1, max_delay_s: float = 10.0) -> None:
    """Run `body` until it returns; when it fails, log the failure with its traceback and
    run it again after a backoff. Cancelling this cancels the body.

    The loops kept this way (the server's event reader, a worker's heartbeat and reaper, the
    blob upkeep) handle the errors they expect themselves. This is the last resort for the
    ones nobody foresaw: without it, one unexpected reply would silently end the loop for the
    life of the process (images never finished, work never reclaimed), while everything
    around it kept running as if all were well."""
    delay = first_delay_s
    while True:
        started = time.monotonic()
        task = asyncio.ensure_future(body())
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            await end_shielded(task, name)
            raise
        if task.cancelled():
            raise asyncio.CancelledError(f"{name} was cancelled")
        error = task.exception()
        if error is None:
            return
        if time.monotonic() - started > max_delay_s:
            delay = first_delay_s  # it had been running fine: not a crash loop
        log.error("%s failed; it starts again in %.1fs", name, delay, exc_info=error)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)
