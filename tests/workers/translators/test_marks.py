from __future__ import annotations

import asyncio

from workers.translators.base import TranslationRequest
from workers.translators.marks import as_marks, letterless, translate_words


def test_marks_only_texts_are_letterless() -> None:
    assert letterless("……") and letterless("！？") and letterless("…!!")
    assert not letterless("そう…") and not letterless("7") and not letterless("  ")
    assert not letterless("으...")


def test_marks_are_written_as_the_target_writes_them() -> None:
    assert as_marks("……！？", "en") == "......!?"
    assert as_marks("……！？", "ja") == "……！？"
    assert as_marks("‥・〜", "ko") == "...~"


def test_only_texts_with_letters_go_to_the_translator() -> None:
    sent: list[TranslationRequest] = []

    async def send(request: TranslationRequest) -> list[str]:
        sent.append(request)
        return [t.upper() for t in request.texts]

    request = TranslationRequest(texts=("……", "abc", "！？", "de"), source="ja", target="en",
                                 length_hints=(2, 3, 2, 2))
    answers = asyncio.run(translate_words(request, send))
    assert answers == ["......", "ABC", "!?", "DE"]
    assert [(r.texts, r.length_hints) for r in sent] == [(("abc", "de"), (3, 2))]


def test_a_page_of_marks_sends_nothing() -> None:
    async def send(request: TranslationRequest) -> list[str]:
        raise AssertionError("nothing to translate")

    request = TranslationRequest(texts=("……",), source="ja", target="en")
    assert asyncio.run(translate_words(request, send)) == ["......"]
