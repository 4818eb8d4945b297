"""The shared parts: cache, glossary, circuit breaker, rate limiter, retry policy, LLM JSON."""

from __future__ import annotations

import email.utils
import sqlite3
from pathlib import Path

import pytest

from workers.errors import TranslatorFailed, TranslatorNotConfigured
from workers.translators import glossary, langs
from workers.translators.breaker import CircuitBreaker
from workers.translators.cache import DB_NAME, CacheScope, TranslationCache
from workers.translators.http_client import RetryPolicy, parse_retry_after, redact
from workers.translators.llm_json import BadReply, parse_translations
from workers.translators.page_context import PageMemory
from workers.translators.ratelimit import RateLimiter, from_options


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- cache -------------------------------------------------------------------------------


def test_cache_key_depends_on_everything_that_changes_a_translation() -> None:
    base = CacheScope("openai", "m1", "ja", "en", "g1")
    others = [
        CacheScope("deepl", "m1", "ja", "en", "g1"),
        CacheScope("openai", "m2", "ja", "en", "g1"),
        CacheScope("openai", "m1", "zh", "en", "g1"),
        CacheScope("openai", "m1", "ja", "ko", "g1"),
        CacheScope("openai", "m1", "ja", "en", "g2"),
    ]
    keys = {base.key("text")} | {s.key("text") for s in others} | {base.key("text2")}
    assert len(keys) == 7
    assert base.key("text") == CacheScope("openai", "m1", "ja", "en", "g1").key("text")


def test_memory_cache_is_lru_bounded() -> None:
    cache = TranslationCache(max_entries=2)
    cache.put_many({"a": "1", "b": "2"})
    assert cache.get_many(["a"]) == {"a": "1"}  # touch a: b is now the oldest
    cache.put_many({"c": "3"})
    assert cache.get_many(["a", "b", "c"]) == {"a": "1", "c": "3"}
    assert len(cache) == 2


def test_disk_cache_persists_and_refills_memory(tmp_path: Path) -> None:
    first = TranslationCache(tmp_path / "sub")
    assert first.persistent
    first.put_many({"k1": "v1", "k2": "v2"})
    first.close()
    second = TranslationCache(tmp_path / "sub")
    assert second.get_many(["k1", "k2", "k3"]) == {"k1": "v1", "k2": "v2"}
    second.close()
    assert second.get_many(["k1"]) == {"k1": "v1"}  # from memory now


def test_unusable_cache_dir_degrades_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = TranslationCache(blocker)
    assert not cache.persistent
    cache.put_many({"a": "b"})
    assert cache.get_many(["a"]) == {"a": "b"}


def test_corrupt_database_degrades_to_memory(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    cache = TranslationCache(tmp_path)
    cache.put_many({"a": "b"})
    assert cache.get_many(["a", "z"]) == {"a": "b"}
    assert not cache.persistent
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / DB_NAME).execute("SELECT 1 FROM translations")


# --- glossary ----------------------------------------------------------------------------


def test_glossary_format(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(
        '# comment\n\nナルト = Naruto\n木ノ葉\tKonoha Village\n"a = b" = "x = y"\nドン=BOOM\n',
        encoding="utf-8",
    )
    g = glossary.load(path)
    assert dict(g.entries) == {
        "ナルト": "Naruto",
        "木ノ葉": "Konoha Village",
        "a = b": "x = y",
        "ドン": "BOOM",
    }
    assert g.exact(" ドン ") == "BOOM"
    assert g.relevant(["ナルトだ", "なし"]) == {"ナルト": "Naruto"}
    assert len(g.version) == 16


def test_glossary_version_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("a = b\n", encoding="utf-8")
    v1 = glossary.load(path).version
    assert glossary.load(path).version == v1
    path.write_text("a = c\n", encoding="utf-8")
    assert glossary.load(path).version != v1
    assert glossary.load(None).version == ""


def test_glossary_errors_name_the_line_and_setting(tmp_path: Path) -> None:
    with pytest.raises(TranslatorNotConfigured, match="line 2"):
        glossary.parse("a = b\njust words\n")
    with pytest.raises(TranslatorNotConfigured, match="--glossary"):
        glossary.load(tmp_path / "missing.txt")


# --- circuit breaker ---------------------------------------------------------------------


def state(b: CircuitBreaker) -> str:
    # A function call, so the type checker does not carry a narrowed state across calls.
    return b.state


def fail(message: str = "HTTP 503") -> TranslatorFailed:
    return TranslatorFailed(message)


def test_breaker_opens_after_threshold_and_probes_after_cooldown() -> None:
    clock = Clock()
    b = CircuitBreaker("svc", threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        b.before_call()
        b.record_failure(fail())
    assert state(b) == "closed"
    b.before_call()
    b.record_failure(fail("HTTP 500"))
    assert state(b) == "open"
    with pytest.raises(TranslatorFailed, match=r"svc is failing .*HTTP 500"):
        b.before_call()

    clock.now += 10
    assert state(b) == "half_open"
    b.before_call()  # the probe
    with pytest.raises(TranslatorFailed):
        b.before_call()  # only one probe at a time
    b.record_failure(fail())
    assert state(b) == "open"

    clock.now += 10
    b.before_call()
    b.record_success()
    assert state(b) == "closed" and b.failures == 0


def test_breaker_ignores_non_retryable_errors_and_cancellation() -> None:
    b = CircuitBreaker("svc", threshold=1)
    with pytest.raises(TranslatorNotConfigured), b:
        raise TranslatorNotConfigured("bad key")
    assert state(b) == "closed"
    with pytest.raises(TranslatorFailed), b:
        raise TranslatorFailed("refused", retryable=False)
    assert state(b) == "closed"
    with pytest.raises(TranslatorFailed), b:
        raise fail()
    assert state(b) == "open"


# --- rate limiter ------------------------------------------------------------------------


def test_rate_limiter_spaces_requests() -> None:
    clock = Clock()
    r = RateLimiter(requests_per_s=2, clock=clock)
    waits = [r.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.0, 0.5, 1.0])
    clock.now += 10
    assert r.reserve() == 0.0


def test_rate_limiter_counts_tokens_per_minute() -> None:
    clock = Clock()
    r = RateLimiter(tokens_per_min=600, clock=clock)  # 10 tokens/s
    assert r.reserve(600) == 0.0
    assert r.reserve(100) == pytest.approx(10.0)
    assert r.reserve(10_000) == pytest.approx(70.0)  # clamped to one minute's worth


def test_rate_limiter_options() -> None:
    assert from_options("", "").unlimited
    assert not from_options("5", "").unlimited
    with pytest.raises(TranslatorNotConfigured, match="rps"):
        from_options("fast")


async def test_unlimited_limiter_does_not_wait() -> None:
    await RateLimiter().acquire(10**9)


# --- retry policy ------------------------------------------------------------------------


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    p = RetryPolicy(backoff_s=1.0, max_delay_s=60)
    for attempt in range(4):
        assert 2**attempt * 0.5 <= p.delay(attempt) <= 2**attempt
    assert p.delay(0, retry_after=30) == 30
    assert p.delay(0, retry_after=600) == 60


def test_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(30)


def test_redact() -> None:
    assert redact("key sk-abcdef rejected", ["sk-abcdef", ""]) == "key *** rejected"


# --- LLM replies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        '{"translations": ["a", null, 3]}',
        '```\n{"translations": ["a", "", "3"],}\n```',
        "{“translations”: [“a”, “”, “3”]}",
    ],
)
def test_llm_reply_repairs(content: str) -> None:
    assert parse_translations(content, 3) == ["a", "", "3"]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "empty"),
        ("no json here", "not valid JSON"),
        ('{"a": 1}', "no 'translations'"),
        ('{"translations": ["a"]}', "1 translations for 3 texts"),
        ('{"translations": [["nested"], "b", "c"]}', "not a string"),
    ],
)
def test_llm_reply_rejections(content: str, why: str) -> None:
    with pytest.raises(BadReply, match=why):
        parse_translations(content, 3)


# --- page memory -------------------------------------------------------------------------


def test_page_memory_uses_nearest_earlier_pages_in_order() -> None:
    m = PageMemory(pages=2, pages_per_job=3, max_jobs=1)
    m.remember("j", 5, ["e"], ["E"])
    m.remember("j", 1, ["a", ""], ["A", ""])
    m.remember("j", 3, ["c"], ["C"])
    assert [p.index for p in m.previous("j", 4)] == [1, 3]
    assert [p.index for p in m.previous("j", 9)] == [3, 5]
    assert m.previous("j", 1) == []
    assert m.previous("j", 4)[0].source == ("a",)
    m.remember("j", 7, ["g"], ["G"])  # over pages_per_job: page 1 goes
    assert [p.index for p in m.previous("j", 9)] == [5, 7]
    m.remember("other", 0, ["x"], ["X"])  # over max_jobs: "j" goes
    assert m.previous("j", 9) == []
    assert m.previous("", 9) == []


def test_language_codes() -> None:
    assert langs.normalize("zh_CN") == "zh" and langs.normalize("") == "auto"
    assert langs.deepl_target("en") == "EN-US" and langs.deepl_source("auto") is None
    assert langs.deepl_source("pt-br") == "PT" and langs.deepl_target("pt-BR") == "PT-BR"
    assert langs.google("zh-Hant") == "zh-TW" and langs.google("auto") is None
    assert langs.papago("zh") == "zh-CN" and langs.papago("auto") == "auto"
    assert langs.libretranslate("pt-BR") == "pb"
