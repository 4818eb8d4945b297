"""What every HTTP translator shares: the page-level flow around one `_translate_texts` call.

For each page: blank texts answer "" and whole-text glossary terms answer from the glossary;
identical texts are translated once; the cache answers what it knows; only the rest goes to the
service, through the circuit breaker, and the answers are cached. A backend implements
`_translate_texts(request, texts, hints)` for texts that are unique, non-blank and not cached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from workers.config import TranslatorSettings
from workers.errors import TranslatorFailed, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.breaker import CircuitBreaker
from workers.translators.cache import CacheScope, TranslationCache
from workers.translators.glossary import EMPTY, Glossary
from workers.translators.http_client import Classifier, HttpClient, RetryPolicy
from workers.translators.ratelimit import RateLimiter, from_options

log = logging.getLogger("itp.translators")


@dataclass(frozen=True, slots=True)
class BackendContext:
    """What the registry hands a backend's constructor."""

    settings: TranslatorSettings
    cache: TranslationCache
    glossary: Glossary = EMPTY


def option_float(settings: TranslatorSettings, key: str, default: float) -> float:
    raw = settings.option(key)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise TranslatorNotConfigured(f"translator option {key}={raw!r} is not a number") from None


def shape_error(service: str, what: str) -> TranslatorFailed:
    return TranslatorFailed(f"{service} answered an unexpected response: {what}")


def chunks(texts: Sequence[str], max_items: int, max_chars: int) -> list[list[str]]:
    """Split a page into the fewest requests that respect an API's per-request limits."""
    out: list[list[str]] = [[]]
    size = 0
    for t in texts:
        if out[-1] and (len(out[-1]) >= max_items or size + len(t) > max_chars):
            out.append([])
            size = 0
        out[-1].append(t)
        size += len(t)
    return out if out[0] else []


class ApiTranslator:
    """Base of the HTTP backends. Subclasses set `name`, `service`, `default_url`, build
    `self.http` with `make_http`, and implement `_translate_texts`."""

    name: str = ""
    service: str = ""
    default_url: str = ""

    def __init__(self, ctx: BackendContext) -> None:
        self.settings = ctx.settings
        self.cache = ctx.cache
        self.glossary = ctx.glossary
        self.base_url = (ctx.settings.url or self.default_url).rstrip("/")
        self.breaker = CircuitBreaker(
            self.service,
            threshold=int(option_float(ctx.settings, "breaker_failures", 5)),
            cooldown_s=option_float(ctx.settings, "breaker_cooldown_s", 30.0),
        )
        self.http: HttpClient | None = None

    def make_http(
        self,
        *,
        auth_hint: str,
        secrets: Sequence[str] = (),
        classify: Classifier | None = None,
        headers: dict[str, str] | None = None,
        limiter: RateLimiter | None = None,
    ) -> HttpClient:
        s = self.settings
        policy = RetryPolicy(retries=s.retries, backoff_s=s.backoff_s, timeout_s=s.timeout_s)
        self.http = HttpClient(
            self.service,
            policy=policy,
            auth_hint=auth_hint,
            secrets=(s.api_key, *secrets),
            limiter=limiter or from_options(s.option("rps"), s.option("tpm")),
            classify=classify,
            headers=headers,
        )
        return self.http

    def variant(self) -> str:
        """Options besides the languages that change the output (model, formality...)."""
        return self.settings.model

    def scope(self, request: TranslationRequest) -> CacheScope:
        return CacheScope(
            backend=self.name,
            model=self.variant(),
            source=langs.normalize(request.source),
            target=langs.normalize(request.target),
            glossary_version=self.glossary.version,
        )

    async def translate(self, request: TranslationRequest) -> list[str]:
        started = time.perf_counter()
        texts = [t.strip() for t in request.texts]
        hints = list(request.length_hints)
        if len(hints) != len(texts):
            hints = [len(t) for t in texts]
        out: list[str | None] = [None] * len(texts)
        same_language = langs.normalize(request.source) == langs.normalize(request.target)
        pending: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            term = self.glossary.exact(t) if t else None
            if not t:
                out[i] = ""
            elif same_language:
                out[i] = t
            elif term is not None:
                out[i] = term
            else:
                pending.setdefault(t, []).append(i)

        scope = self.scope(request)
        keys = {t: scope.key(t) for t in pending}
        hits = self.cache.get_many(keys.values())
        misses = [t for t in pending if keys[t] not in hits]
        answers = {t: hits[keys[t]] for t in pending if keys[t] in hits}
        if misses:
            with self.breaker:
                got = await self._translate_texts(
                    request, misses, [hints[pending[t][0]] for t in misses]
                )
                if len(got) != len(misses):
                    raise TranslatorFailed(
                        f"{self.service} returned {len(got)} translations for {len(misses)} texts"
                    )
            self.cache.put_many({keys[t]: a for t, a in zip(misses, got, strict=True)})
            answers.update(zip(misses, got, strict=True))
        for t, idxs in pending.items():
            for i in idxs:
                out[i] = answers[t]
        result = [o if o is not None else "" for o in out]
        self._page_done(request, result)
        log.debug(
            "translator=%s job=%s page=%d texts=%d sent=%d cached=%d ms=%d",
            self.name,
            request.job_id,
            request.page_index,
            len(texts),
            len(misses),
            len(pending) - len(misses),
            int((time.perf_counter() - started) * 1000),
        )
        return result

    def _page_done(self, request: TranslationRequest, translations: list[str]) -> None:
        """Hook for backends that carry context from page to page."""

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        raise NotImplementedError

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()
        self.cache.close()
