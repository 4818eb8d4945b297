"""Every HTTP backend against the local fake of its API: the shared behaviours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.workers.translators.fake_server import FakeApi, Reply, Seen
from workers.config import TranslatorSettings
from workers.errors import TranslatorFailed, TranslatorNotConfigured
from workers.translators.base import TranslationRequest, Translator
from workers.translators.registry import create_translator


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    prefix: str
    settings: Callable[[str], TranslatorSettings]
    texts_of: Callable[[Seen], list[str]]
    authorised: Callable[[Seen], bool]
    bad_credentials: Reply
    hint: str
    secret: str
    one_text_per_request: bool = False


def _settings(name: str, url: str, **kw: object) -> TranslatorSettings:
    base = TranslatorSettings(name=name, url=url, retries=2, backoff_s=0.001, timeout_s=5.0)
    return replace(base, **kw)  # type: ignore[arg-type]


CASES = [
    Case(
        name="libretranslate",
        path="/translate",
        prefix="en",
        settings=lambda url: _settings("libretranslate", url, api_key="lt-secret-key"),
        texts_of=lambda s: list(s.body["q"]),
        authorised=lambda s: s.body.get("api_key") == "lt-secret-key",
        bad_credentials=Reply(403, body={"error": "Invalid API key"}),
        hint="ITP_API_KEY",
        secret="lt-secret-key",
    ),
    Case(
        name="openai",
        path="/v1/chat/completions",
        prefix="en",
        settings=lambda url: _settings("openai", url + "/v1", api_key="sk-secret", model="m1"),
        texts_of=lambda s: list(s.chat_payload()["texts"]),
        authorised=lambda s: s.headers.get("authorization") == "Bearer sk-secret",
        bad_credentials=Reply(401, body={"error": {"message": "Incorrect API key sk-secret"}}),
        hint="OPENAI_API_KEY",
        secret="sk-secret",
    ),
    Case(
        name="deepl",
        path="/v2/translate",
        prefix="EN-US",
        settings=lambda url: _settings("deepl", url, api_key="deepl-secret:fx"),
        texts_of=lambda s: list(s.body["text"]),
        authorised=lambda s: s.headers.get("authorization") == "DeepL-Auth-Key deepl-secret:fx",
        bad_credentials=Reply(403, body={"message": "Authorization failure"}),
        hint="DEEPL_AUTH_KEY",
        secret="deepl-secret:fx",
    ),
    Case(
        name="papago",
        path="/nmt/v1/translation",
        prefix="en",
        settings=lambda url: _settings(
            "papago", url, extra=(("client_id", "cid-123"), ("client_secret", "csecret-456"))
        ),
        texts_of=lambda s: [s.body["text"]],
        authorised=lambda s: (
            s.headers.get("x-ncp-apigw-api-key-id") == "cid-123"
            and s.headers.get("x-ncp-apigw-api-key") == "csecret-456"
        ),
        bad_credentials=Reply(
            401, body={"error": {"errorCode": "200", "message": "Authentication Failed"}}
        ),
        hint="NAVER_CLIENT_SECRET",
        secret="csecret-456",
        one_text_per_request=True,
    ),
    Case(
        name="google",
        path="/language/translate/v2",
        prefix="en",
        settings=lambda url: _settings("google", url, api_key="g-secret-key"),
        texts_of=lambda s: list(s.body["q"]),
        authorised=lambda s: s.headers.get("x-goog-api-key") == "g-secret-key" and not s.query,
        bad_credentials=Reply(
            400,
            body={
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                }
            },
        ),
        hint="GOOGLE_API_KEY",
        secret="g-secret-key",
    ),
]

cases = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


def page(*texts: str, job: str = "", index: int = 0) -> TranslationRequest:
    return TranslationRequest(texts=texts, source="ja", target="en", job_id=job, page_index=index)


async def run(translator: Translator, request: TranslationRequest) -> list[str]:
    try:
        return await translator.translate(request)
    finally:
        await translator.aclose()


@cases
async def test_happy_path(case: Case, fake: FakeApi, url: str) -> None:
    t = create_translator(case.settings(url))
    assert await run(t, page("こんにちは", "さようなら")) == [
        f"{case.prefix}:こんにちは",
        f"{case.prefix}:さようなら",
    ]
    assert fake.requests and all(case.authorised(s) for s in fake.requests)
    assert set(fake.paths()) == {case.path}


@cases
async def test_page_is_one_request_without_blanks_or_repeats(
    case: Case, fake: FakeApi, url: str
) -> None:
    t = create_translator(case.settings(url))
    got = await run(t, page("一", "  ", "二", "一", "三"))
    p = case.prefix
    assert got == [f"{p}:一", "", f"{p}:二", f"{p}:一", f"{p}:三"]
    sent = [text for s in fake.requests for text in case.texts_of(s)]
    if case.one_text_per_request:
        assert sorted(sent) == sorted(["一", "二", "三"])
        assert len(fake.requests) == 3
    else:
        assert len(fake.requests) == 1
        assert sent == ["一", "二", "三"]


@cases
async def test_429_waits_for_retry_after_then_succeeds(
    case: Case, fake: FakeApi, url: str, delays: list[float]
) -> None:
    fake.queue(Reply(429, headers={"Retry-After": "7"}))
    t = create_translator(case.settings(url))
    assert await run(t, page("待って")) == [f"{case.prefix}:待って"]
    assert len(fake.requests) == 2
    assert delays and delays[0] >= 7


@cases
async def test_5xx_is_retried(case: Case, fake: FakeApi, url: str) -> None:
    fake.queue(Reply(503), Reply(502))
    t = create_translator(case.settings(url))
    assert await run(t, page("もう一度")) == [f"{case.prefix}:もう一度"]
    assert len(fake.requests) == 3


@cases
async def test_timeouts_are_retried_then_fail(case: Case, fake: FakeApi, url: str) -> None:
    fake.queue(Reply(hang=True), Reply(hang=True))
    settings = replace(case.settings(url), timeout_s=0.2, retries=1)
    t = create_translator(settings)
    with pytest.raises(TranslatorFailed, match=r"after 2 attempt\(s\): no answer within") as e:
        await run(t, page("遅い"))
    # Both attempts are the client's to count: the fake server, a thread of its own, may
    # not have read a request before the client hung up on it (on a loaded machine it did
    # not), so what the server saw is no count of the attempts.
    assert case.secret not in str(e.value)


@cases
async def test_bad_credentials_name_the_setting(case: Case, fake: FakeApi, url: str) -> None:
    fake.queue(case.bad_credentials)
    t = create_translator(case.settings(url))
    with pytest.raises(TranslatorNotConfigured) as e:
        await run(t, page("鍵"))
    assert case.hint in str(e.value)
    assert case.secret not in str(e.value)
    assert len(fake.requests) == 1


@cases
async def test_cached_texts_are_not_sent_again(
    case: Case, fake: FakeApi, url: str, tmp_path: Path
) -> None:
    settings = case.settings(url)
    t = create_translator(settings, cache_dir=tmp_path)
    first = await t.translate(page("猫", "犬"))
    sent = len(fake.requests)
    assert await t.translate(page("猫", "犬")) == first
    assert len(fake.requests) == sent
    # Only the new text of a partly known page goes out.
    await t.translate(page("猫", "鳥"))
    assert [x for s in fake.requests[sent:] for x in case.texts_of(s)] == ["鳥"]
    await t.aclose()

    # The on-disk cache answers a fresh translator (another run, another process).
    before = len(fake.requests)
    again = create_translator(settings, cache_dir=tmp_path)
    assert await run(again, page("猫", "犬")) == first
    assert len(fake.requests) == before


@cases
async def test_circuit_breaker_opens_after_repeated_failures(
    case: Case, fake: FakeApi, url: str
) -> None:
    fake.queue(*[Reply(500)] * 4)
    settings = replace(
        case.settings(url), retries=1, extra=(*case.settings(url).extra, ("breaker_failures", "2"))
    )
    t = create_translator(settings)
    try:
        for text in ("一", "二"):
            with pytest.raises(TranslatorFailed, match="HTTP 500"):
                await t.translate(page(text))
        sent = len(fake.requests)
        with pytest.raises(TranslatorFailed, match="not calling it again") as e:
            await t.translate(page("三"))
        assert len(fake.requests) == sent
        assert e.value.retryable
    finally:
        await t.aclose()
