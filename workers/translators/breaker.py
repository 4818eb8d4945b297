"""Circuit breaker: stop calling a translation service that keeps failing.

After `threshold` consecutive retryable failures (each already retried by the HTTP layer) the
breaker opens and every call fails at once with `TranslatorFailed` for `cooldown_s`; a page
then fails in milliseconds instead of burning its retries against a dead service. After the
cool-down one probe call is let through (half-open): success closes the breaker, failure opens
it for another cool-down. Non-retryable errors (bad credentials, a rejected request) say
nothing about the service's health and are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal

from workers.errors import ItpError, TranslatorFailed

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        service: str,
        *,
        threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.failures = 0
        self._opened_at = 0.0
        self._state: State = "closed"
        self._probing = False
        self._last_error = ""

    @property
    def state(self) -> State:
        if self._state == "open" and self.clock() - self._opened_at >= self.cooldown_s:
            self._state = "half_open"
        return self._state

    def before_call(self) -> None:
        """Raise when calls are being refused; otherwise admit this one."""
        state = self.state
        if state == "closed":
            return
        if state == "half_open" and not self._probing:
            self._probing = True
            return
        left = max(0.0, self.cooldown_s - (self.clock() - self._opened_at))
        raise TranslatorFailed(
            f"{self.service} is failing ({self.failures} failures in a row, last: "
            f"{self._last_error}); not calling it again for {left:.0f} s",
            retryable=True,
        )

    def record_success(self) -> None:
        self.failures = 0
        self._state = "closed"
        self._probing = False

    def record_failure(self, error: ItpError) -> None:
        self.failures += 1
        self._last_error = error.message
        if self._state == "half_open" or self.failures >= self.threshold:
            self._state = "open"
            self._opened_at = self.clock()
        self._probing = False

    def release(self) -> None:
        """The call ended without telling us anything (cancelled, or a client-side error)."""
        self._probing = False

    def __enter__(self) -> CircuitBreaker:
        self.before_call()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.record_success()
        elif isinstance(exc, ItpError) and exc.retryable:
            self.record_failure(exc)
        else:
            self.release()
