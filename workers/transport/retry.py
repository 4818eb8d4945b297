"""Riding out a transport outage (a Redis restart): retry with backoff, then give up."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
