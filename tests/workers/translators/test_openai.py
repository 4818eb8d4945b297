"""The `openai` backend: page requests, JSON repair, retries, chapter context, glossary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workers.translators.fake_server import FakeApi, Reply
from workers.config import TranslatorSettings
from workers.errors import TranslatorFailed, TranslatorNotConfigured
from workers.translators.base import TranslationRequest
from workers.translators.openai_prompt import SYSTEM_PROMPT
from workers.translators.registry import create_translator


def settings(url: str, **kw: object) -> TranslatorSettings:
    values: dict[str, object] = {
        "name": "openai",
        "url": url + "/v1",
        "model": "local-model",
        "retries": 2,
        "backoff_s": 0.001,
        "timeout_s": 5.0,
    }
    values.update(kw)
    return TranslatorSettings(**values)  # type: ignore[arg-type]


def page(*texts: str, job: str = "", index: int = 0) -> TranslationRequest:
    return TranslationRequest(
        texts=texts,
        source="ja",
        target="en",
        length_hints=tuple(len(t) * 2 for t in texts),
        job_id=job,
        page_index=index,
    )


async def test_request_shape(fake: FakeApi, url: str) -> None:
    t = create_translator(settings(url))
    assert await t.translate(page("おはよう", "ドン")) == ["en:おはよう", "en:ドン"]
    await t.aclose()
    (seen,) = fake.requests
    assert seen.body["model"] == "local-model"
    assert seen.body["response_format"] == {"type": "json_object"}
    roles = [m["role"] for m in seen.body["messages"]]
    assert roles == ["system", "user"]
    assert seen.body["messages"][0]["content"] == SYSTEM_PROMPT
    payload = seen.chat_payload()
    assert payload["source"] == "ja" and payload["target"] == "en"
    assert payload["texts"] == ["おはよう", "ドン"]
    assert payload["length_hints"] == [8, 4]
    assert payload["glossary"] == {} and payload["previous_pages"] == []
    # A local server without a key gets no Authorization header at all.
    assert "authorization" not in seen.headers


@pytest.mark.parametrize(
    "content",
    [
        '```json\n{"translations": ["A", "B",]}\n```',
        'Sure! Here it is:\n{"translations": ["A", "B"]}\nEnjoy.',
        "{'translations': ['A', 'B']}",
        '{"result": [{"translation": "A"}, {"text": "B"}]}',
        '["A", "B"]',
    ],
)
async def test_trivially_broken_json_is_repaired(fake: FakeApi, url: str, content: str) -> None:
    fake.queue(Reply(content=content))
    t = create_translator(settings(url))
    assert await t.translate(page("あ", "い")) == ["A", "B"]
    await t.aclose()
    assert len(fake.requests) == 1


async def test_unparseable_reply_is_asked_again_with_a_note(fake: FakeApi, url: str) -> None:
    fake.queue(Reply(content="I cannot comply with JSON today."))
    t = create_translator(settings(url))
    assert await t.translate(page("あ", "い")) == ["en:あ", "en:い"]
    await t.aclose()
    assert len(fake.requests) == 2
    assert "note" not in fake.requests[0].chat_payload()
    assert "exactly 2" in fake.requests[1].chat_payload()["note"]


async def test_wrong_length_is_retried_then_fails_clearly(fake: FakeApi, url: str) -> None:
    fake.queue(*[Reply(content='{"translations": ["only one"]}')] * 3)
    t = create_translator(settings(url, retries=2))
    with pytest.raises(TranslatorFailed, match="1 translations for 2 texts") as e:
        await t.translate(page("あ", "い"))
    await t.aclose()
    assert "local-model" in str(e.value)
    assert len(fake.requests) == 3


async def test_wrong_length_then_right_length_succeeds(fake: FakeApi, url: str) -> None:
    fake.queue(Reply(content='{"translations": ["a", "b", "c"]}'))
    t = create_translator(settings(url))
    assert await t.translate(page("あ", "い")) == ["en:あ", "en:い"]
    await t.aclose()
    assert len(fake.requests) == 2


async def test_page_three_carries_pages_one_and_two_and_the_glossary(
    fake: FakeApi, url: str, tmp_path: Path
) -> None:
    glossary = tmp_path / "series.txt"
    glossary.write_text("# names\nナルト = Naruto\n木ノ葉\tKonoha\n", encoding="utf-8")
    t = create_translator(settings(url, glossary=glossary.read_text(encoding="utf-8")))
    await t.translate(page("第一頁", job="ch1", index=1))
    await t.translate(page("第二頁", "はい", job="ch1", index=2))
    await t.translate(page("別の章", job="ch2", index=0))
    await t.translate(page("ナルトが来た", job="ch1", index=3))
    await t.aclose()

    payload = fake.requests[-1].chat_payload()
    assert payload["texts"] == ["ナルトが来た"]
    assert payload["previous_pages"] == [
        {"page": 1, "source": ["第一頁"], "translation": ["en:第一頁"]},
        {"page": 2, "source": ["第二頁", "はい"], "translation": ["en:第二頁", "en:はい"]},
    ]
    assert payload["glossary"] == {"ナルト": "Naruto"}
    # Another job's page saw none of ch1.
    assert fake.requests[2].chat_payload()["previous_pages"] == []


async def test_context_is_bounded_to_the_last_pages(fake: FakeApi, url: str) -> None:
    t = create_translator(settings(url))
    for i in range(1, 6):
        await t.translate(page(f"頁{i}", job="j", index=i))
    await t.aclose()
    pages = [p["page"] for p in fake.requests[-1].chat_payload()["previous_pages"]]
    assert pages == [3, 4]


async def test_glossary_term_alone_is_answered_without_asking(
    fake: FakeApi, url: str, tmp_path: Path
) -> None:
    glossary = tmp_path / "g.txt"
    glossary.write_text("ナルト = Naruto\n", encoding="utf-8")
    t = create_translator(settings(url, glossary=glossary.read_text(encoding="utf-8")))
    assert await t.translate(page("ナルト")) == ["Naruto"]
    await t.aclose()
    assert fake.requests == []


async def test_quota_exhaustion_is_not_retried(fake: FakeApi, url: str) -> None:
    body = {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}}
    fake.queue(Reply(429, body=body))
    t = create_translator(settings(url))
    with pytest.raises(TranslatorFailed, match="quota") as e:
        await t.translate(page("あ"))
    await t.aclose()
    assert not e.value.retryable
    assert len(fake.requests) == 1


async def test_unknown_model_names_the_setting(fake: FakeApi, url: str) -> None:
    fake.queue(Reply(404, body={"error": {"message": "model 'x' not found"}}))
    t = create_translator(settings(url))
    with pytest.raises(TranslatorNotConfigured, match="--translator-model"):
        await t.translate(page("あ"))
    await t.aclose()


def test_api_openai_com_needs_a_key() -> None:
    with pytest.raises(TranslatorNotConfigured, match="OPENAI_API_KEY") as e:
        create_translator(TranslatorSettings(name="openai"))
    assert "--translator-url" in str(e.value)


async def test_caller_context_is_passed_along(fake: FakeApi, url: str) -> None:
    t = create_translator(settings(url))
    request = TranslationRequest(
        texts=("はい",), source="ja", target="en", context=(("前の行", "the line before"),)
    )
    await t.translate(request)
    await t.aclose()
    assert fake.requests[0].chat_payload()["context"] == [
        {"source": "前の行", "translation": "the line before"}
    ]


async def test_payload_is_plain_json(fake: FakeApi, url: str) -> None:
    t = create_translator(settings(url))
    await t.translate(page("「引用」"))
    await t.aclose()
    content = fake.requests[0].body["messages"][-1]["content"]
    assert json.loads(content)["texts"] == ["「引用」"]
    assert "「引用」" in content  # not \\u-escaped: fewer tokens
