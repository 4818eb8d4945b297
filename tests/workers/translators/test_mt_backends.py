"""What is particular to DeepL, Google, Papago and LibreTranslate."""

from __future__ import annotations

import pytest

from tests.workers.translators.fake_server import FakeApi, Reply
from workers.config import TranslatorSettings
from workers.errors import TranslatorFailed, TranslatorNotConfigured
from workers.translators.base import TranslationRequest
from workers.translators.deepl import FREE_URL, PRO_URL, DeepLTranslator
from workers.translators.registry import create_translator


def quick(name: str, url: str, **kw: object) -> TranslatorSettings:
    values: dict[str, object] = {"name": name, "url": url, "retries": 2, "backoff_s": 0.001}
    values.update(kw)
    return TranslatorSettings(**values)  # type: ignore[arg-type]


def test_deepl_endpoint_follows_the_key() -> None:
    free = create_translator(TranslatorSettings(name="deepl", api_key="abc:fx"))
    pro = create_translator(TranslatorSettings(name="deepl", api_key="abc"))
    assert isinstance(free, DeepLTranslator) and isinstance(pro, DeepLTranslator)
    assert free.base_url == FREE_URL
    assert pro.base_url == PRO_URL


async def test_deepl_language_codes_and_options(fake: FakeApi, url: str) -> None:
    t = create_translator(quick("deepl", url, api_key="k:fx", extra=(("formality", "less"),)))
    await t.translate(TranslationRequest(texts=("你好",), source="zh", target="en"))
    await t.translate(TranslationRequest(texts=("hi",), source="auto", target="zh-TW"))
    await t.aclose()
    first, second = (s.body for s in fake.requests)
    assert first == {
        "text": ["你好"],
        "target_lang": "EN-US",
        "source_lang": "ZH",
        "formality": "less",
    }
    assert "source_lang" not in second and second["target_lang"] == "ZH-HANT"


async def test_deepl_quota_is_not_retried(fake: FakeApi, url: str) -> None:
    fake.queue(Reply(456, body={"message": "Quota exceeded"}))
    t = create_translator(quick("deepl", url, api_key="k"))
    with pytest.raises(TranslatorFailed, match="quota") as e:
        await t.translate(TranslationRequest(texts=("あ",), source="ja", target="en"))
    await t.aclose()
    assert not e.value.retryable and len(fake.requests) == 1


async def test_deepl_splits_pages_over_the_per_request_limit(fake: FakeApi, url: str) -> None:
    texts = tuple(f"文{i}" for i in range(120))
    t = create_translator(quick("deepl", url, api_key="k"))
    got = await t.translate(TranslationRequest(texts=texts, source="ja", target="en"))
    await t.aclose()
    assert got == [f"EN-US:{x}" for x in texts]
    assert [len(s.body["text"]) for s in fake.requests] == [50, 50, 20]


async def test_google_sends_plain_text_format_and_region_codes(fake: FakeApi, url: str) -> None:
    t = create_translator(quick("google", url, api_key="gk"))
    await t.translate(TranslationRequest(texts=("안녕",), source="ko", target="zh"))
    await t.translate(TranslationRequest(texts=("x",), source="auto", target="en"))
    await t.aclose()
    first, second = (s.body for s in fake.requests)
    assert first == {"q": ["안녕"], "target": "zh-CN", "format": "text", "source": "ko"}
    assert "source" not in second
    assert all(s.headers["x-goog-api-key"] == "gk" and not s.query for s in fake.requests)


async def test_papago_limits_concurrency(fake: FakeApi, url: str) -> None:
    fake.delay_s = 0.02
    extra = (("client_id", "i"), ("client_secret", "s"), ("concurrency", "2"))
    t = create_translator(quick("papago", url, extra=extra))
    texts = tuple(f"문장{i}" for i in range(6))
    got = await t.translate(TranslationRequest(texts=texts, source="ko", target="zh"))
    await t.aclose()
    assert got == [f"zh-CN:{x}" for x in texts]
    assert len(fake.requests) == 6
    assert fake.max_inflight <= 2


async def test_papago_key_as_id_and_secret_and_honorific(fake: FakeApi, url: str) -> None:
    t = create_translator(
        quick("papago", url, api_key="the-id:the-secret", extra=(("honorific", "true"),))
    )
    await t.translate(TranslationRequest(texts=("hello",), source="auto", target="ko"))
    await t.aclose()
    (seen,) = fake.requests
    assert seen.headers["x-ncp-apigw-api-key-id"] == "the-id"
    assert seen.headers["x-ncp-apigw-api-key"] == "the-secret"
    assert seen.body == {"source": "auto", "target": "ko", "text": "hello", "honorific": True}


async def test_papago_first_failure_is_reported(fake: FakeApi, url: str) -> None:
    fake.queue(Reply(400, body={"error": {"errorCode": "N2MT05", "message": "bad pair"}}))
    extra = (("client_id", "i"), ("client_secret", "s"), ("concurrency", "1"))
    t = create_translator(quick("papago", url, extra=extra))
    with pytest.raises(TranslatorFailed, match="bad pair"):
        await t.translate(TranslationRequest(texts=("a", "b", "c"), source="en", target="ko"))
    await t.aclose()


async def test_libretranslate_codes(fake: FakeApi, url: str) -> None:
    t = create_translator(quick("libretranslate", url))
    await t.translate(TranslationRequest(texts=("hi",), source="auto", target="zh-TW"))
    await t.aclose()
    body = fake.requests[0].body
    assert body == {"q": ["hi"], "source": "auto", "target": "zt", "format": "text"}


async def test_same_language_is_returned_untouched(fake: FakeApi, url: str) -> None:
    t = create_translator(quick("google", url, api_key="gk"))
    assert await t.translate(TranslationRequest(texts=("hi",), source="en", target="en")) == ["hi"]
    await t.aclose()
    assert fake.requests == []


async def test_unreachable_server_fails_with_its_address(url: str) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing listens there
    t = create_translator(quick("libretranslate", dead, retries=1))
    with pytest.raises(TranslatorFailed, match=r"127\.0\.0\.1:9 failed after 2 attempt"):
        await t.translate(TranslationRequest(texts=("a",), source="en", target="de"))
    await t.aclose()


@pytest.mark.parametrize(
    ("settings", "hint"),
    [
        (TranslatorSettings(name="deepl"), "DEEPL_AUTH_KEY"),
        (TranslatorSettings(name="google"), "GOOGLE_API_KEY"),
        (TranslatorSettings(name="papago"), "NAVER_CLIENT_ID"),
        (TranslatorSettings(name="papago", api_key="secret-only"), "NAVER_CLIENT_ID"),
        (TranslatorSettings(name="libretranslate"), "--translator-url"),
        (TranslatorSettings(name="libretranslate", url="localhost:5000"), "--translator-url"),
    ],
)
async def test_missing_configuration_names_the_setting(
    settings: TranslatorSettings, hint: str
) -> None:
    with pytest.raises(TranslatorNotConfigured, match=hint) as e:
        t = create_translator(settings)
        try:
            await t.translate(TranslationRequest(texts=("a",), source="en", target="de"))
        finally:
            await t.aclose()
    assert "secret-only" not in str(e.value)
