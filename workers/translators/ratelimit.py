"""Client-side rate limits: requests per second and (for LLM APIs) tokens per minute.

Token buckets that hand out reservations: a caller takes its tokens at once, possibly driving
the bucket negative, and sleeps until the debt is paid. The bookkeeping happens without an
await in between, so no lock is needed and the limiter is not tied to one event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workers.errors import TranslatorNotConfigured


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second, holding at most `capacity`. rate <= 0 means unlimited."""

    rate: float
    capacity: float
    clock: Callable[[], float] = time.monotonic
    _level: float = field(init=False, default=0.0)
    _stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._level = self.capacity
        self._stamp = self.clock()

    def reserve(self, cost: float) -> float:
        """Take `cost` tokens; return how long the caller must wait before going ahead."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now
        # One oversized request must still pass eventually rather than wait forever.
        self._level -= min(cost, self.capacity)
        return 0.0 if self._level >= 0 else -self._level / self.rate


class RateLimiter:
    """Requests/s (with a small burst) and optionally tokens/min, both enforced per backend."""

    def __init__(
        self,
        requests_per_s: float = 0.0,
        tokens_per_min: float = 0.0,
        *,
        burst: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests = TokenBucket(requests_per_s, max(1.0, burst or requests_per_s), clock=clock)
        self.tokens = TokenBucket(tokens_per_min / 60.0, tokens_per_min, clock=clock)

    @property
    def unlimited(self) -> bool:
        return self.requests.rate <= 0 and self.tokens.rate <= 0

    def reserve(self, tokens: int = 0) -> float:
        wait = self.requests.reserve(1.0)
        if tokens > 0:
            wait = max(wait, self.tokens.reserve(float(tokens)))
        return wait

    async def acquire(self, tokens: int = 0) -> None:
        wait = self.reserve(tokens)
        if wait > 0:
            await asyncio.sleep(wait)


def from_options(rps: str, tpm: str = "") -> RateLimiter:
    """Build from the `rps` / `tpm` strings of `TranslatorSettings.extra` ('' = unlimited)."""

    def num(key: str, s: str) -> float:
        try:
            return max(0.0, float(s)) if s else 0.0
        except ValueError:
            raise TranslatorNotConfigured(
                f"translator option {key}={s!r} is not a number"
            ) from None

    return RateLimiter(num("rps", rps), num("tpm", tpm))
