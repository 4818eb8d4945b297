"""One HTTP call to a translation service, made robust.

Timeouts on every attempt; retries with exponential backoff and jitter on 429, 408, 5xx,
timeouts and connection errors, honouring `Retry-After`; the per-backend rate limiter before
every attempt; and failures turned into the error hierarchy with a message a user can act on.
Credentials never reach a log line or a message: headers are not logged, URLs are reduced to
their origin, and every text that leaves this module has the known secrets masked.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from workers.errors import ItpError, TranslatorFailed, TranslatorNotConfigured
from workers.translators.ratelimit import RateLimiter

log = logging.getLogger("itp.translators.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
AUTH_STATUSES = frozenset({401, 403})

# Looked up at call time so tests can observe the delays without waiting them out.
sleep: Callable[[float], Any] = asyncio.sleep

Classifier = Callable[[httpx.Response], ItpError | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 60.0
    max_delay_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before retry number `attempt` (0-based): the larger of the server's ask and
        backoff * 2^attempt, scaled by 0.5..1 so clients that failed together spread out."""
        backoff = self.backoff_s * float(2**attempt) * (0.5 + random.random() / 2)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_delay_s)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def redact(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    return text


def error_detail(response: httpx.Response, limit: int = 200) -> str:
    """The human part of an API error body ({"error": {"message"}}, {"message"}, text)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return " ".join(response.text.split())[:limit]
    detail: object = body
    if isinstance(body, dict):
        err = body.get("error", body.get("errorMessage", body.get("message", body)))
        if isinstance(err, dict):
            err = err.get("message", err.get("errorMessage", err))
        detail = err
    text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
    return " ".join(text.split())[:limit]


class HttpClient:
    """A service's HTTP connection pool plus the policy for calling it."""

    def __init__(
        self,
        service: str,
        *,
        policy: RetryPolicy,
        auth_hint: str,
        secrets: Sequence[str] = (),
        limiter: RateLimiter | None = None,
        classify: Classifier | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.policy = policy
        self.auth_hint = auth_hint
        self.secrets = tuple(s for s in secrets if s)
        self.limiter = limiter or RateLimiter()
        self.classify = classify
        self._headers = dict(headers or {})
        self._client: httpx.AsyncClient | None = None

    def _pool(self) -> httpx.AsyncClient:
        # Created on first use so that a translator can be built outside the event loop.
        if self._client is None:
            t = self.policy.timeout_s
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(t, connect=min(t, 10.0)),
                headers=self._headers,
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def _fail(self, message: str, *, retryable: bool = True) -> TranslatorFailed:
        return TranslatorFailed(redact(message, self.secrets), retryable=retryable)

    async def post_json(
        self,
        url: str,
        *,
        json_body: object = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        tokens: int = 0,
    ) -> Any:
        """POST a JSON body and return the decoded JSON answer, retrying what is worth it."""
        try:
            origin = httpx.URL(url).copy_with(query=None, fragment=None, userinfo=b"")
        except httpx.InvalidURL:
            raise TranslatorNotConfigured(
                f"{self.service}: invalid URL {url!r}; fix --translator-url / ITP_TRANSLATOR_URL"
            ) from None
        attempts = max(0, self.policy.retries) + 1
        last = ""
        for attempt in range(attempts):
            await self.limiter.acquire(tokens)
            retry_after: float | None = None
            try:
                response = await self._pool().post(
                    url, json=json_body, params=params, headers=headers
                )
            except httpx.UnsupportedProtocol:
                raise TranslatorNotConfigured(
                    f"{self.service}: {origin} is not an http(s) URL; "
                    "fix --translator-url / ITP_TRANSLATOR_URL"
                ) from None
            except httpx.TimeoutException:
                last = f"no answer within {self.policy.timeout_s:g} s"
            except httpx.TransportError as e:
                last = (
                    f"connection failed ({type(e).__name__}); is the service running at that "
                    "address? (--translator-url / ITP_TRANSLATOR_URL)"
                )
            else:
                self._check(response)
                if response.status_code not in RETRY_STATUSES:
                    return self._result(response)
                last = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            if attempt + 1 < attempts:
                delay = self.policy.delay(attempt, retry_after)
                log.warning(
                    "translator=%s attempt=%d/%d outcome=%r retry_in_ms=%d",
                    self.service,
                    attempt + 1,
                    attempts,
                    last,
                    int(delay * 1000),
                )
                await sleep(delay)
        raise self._fail(
            f"{self.service} at {origin.scheme}://{origin.netloc.decode()} failed after "
            f"{attempts} attempt(s): {last}"
        )

    def _check(self, response: httpx.Response) -> None:
        """The backend's own reading of an answer comes first: a 429 that means "quota used
        up" must not be retried like one that means "slow down"."""
        if self.classify is not None:
            error = self.classify(response)
            if error is not None:
                error.message = redact(error.message, self.secrets)
                raise error

    def _result(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status in AUTH_STATUSES:
            # The body is left out on purpose: some services echo part of the key back.
            raise TranslatorNotConfigured(
                f"{self.service} rejected the credentials (HTTP {status}): {self.auth_hint}"
            )
        if 300 <= status < 400:
            raise TranslatorNotConfigured(
                f"{self.service} redirected the request (HTTP {status}); point "
                "--translator-url / ITP_TRANSLATOR_URL at the final address"
            )
        if status >= 400:
            raise self._fail(
                f"{self.service} refused the request (HTTP {status}): {error_detail(response)}",
                retryable=False,
            )
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            raise self._fail(
                f"{self.service} answered HTTP {status} with something that is not JSON: "
                f"{' '.join(response.text.split())[:120]!r}"
            ) from None
