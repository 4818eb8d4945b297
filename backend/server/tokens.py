"""The pairing token: made once, kept in the user's config dir, checked in constant time, and
guarded against guessing by a per-address failure limit."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from platformdirs import user_config_dir

TOKEN_FILE = "token"
Verdict = Literal["ok", "missing", "bad", "limited"]


def default_config_dir() -> Path:
    return Path(user_config_dir("itp"))


def load_or_create_token(config_dir: Path | None = None) -> str:
    """The token stored in `config_dir/token`, created (mode 0600) on first use."""
    directory = config_dir or default_config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / TOKEN_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    if text:
        # A token file someone made readable by others is narrowed again.
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return text
    token = secrets.token_urlsafe(32)
    tmp = directory / f".{TOKEN_FILE}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    os.replace(tmp, path)
    return token


class TokenGuard:
    """Checks presented tokens; after `max_failures` wrong ones from an address within
    `window_s`, that address is refused (even with the right token) until the window passes,
    so the token cannot be guessed by brute force."""

    MAX_TRACKED = 4096

    def __init__(self, token: str, *, max_failures: int = 10, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not token:
            raise ValueError("the pairing token must not be empty")
        self._token = token.encode("utf-8")
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def check(self, client: str, presented: str | None) -> Verdict:
        now = self._clock()
        failures = self._recent(client, now)
        if failures is not None and len(failures) >= self._max:
            return "limited"
        if presented is None or presented == "":
            return "missing"
        # compare_digest on bytes: on str it refuses non-ASCII input with TypeError.
        if hmac.compare_digest(presented.encode("utf-8"), self._token):
            return "ok"
        self._record(client, now)
        return "bad"

    def retry_after(self, client: str) -> int:
        failures = self._recent(client, self._clock())
        if not failures:
            return 1
        return max(1, int(failures[0] + self._window - self._clock()) + 1)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def _record(self, client: str, now: float) -> None:
        if client not in self._failures and len(self._failures) >= self.MAX_TRACKED:
            # Bounded memory: forget the address whose last failure is oldest.
            oldest = min(self._failures, key=lambda c: self._failures[c][-1])
            del self._failures[oldest]
        self._failures.setdefault(client, deque()).append(now)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
