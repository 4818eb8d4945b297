"""Texts without a letter ("……", "！？", "…!!"): a balloon of marks says the same in every
language, so it never goes to a translator (which would answer it with anything from "..." to
an apology); its marks are written as the target language writes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from workers.translators import langs
from workers.translators.base import TranslationRequest

# Targets that write the marks as the source pages do.
FULL_WIDTH_TARGETS = frozenset({"ja", "zh", "zh-tw"})
# Full-width and CJK marks as Latin, Cyrillic, Korean... lettering writes them.
_NARROW = str.maketrans({"…": "...", "‥": "..", "・": ".", "！": "!", "？": "?",
                         "～": "~", "〜": "~", "。": ".", "、": ",", "，": ",", "：": ":",
                         "；": ";", "　": " "})


def letterless(text: str) -> bool:
    """Marks only: something to show, nothing to translate."""
    return bool(text.strip()) and not any(ch.isalnum() for ch in text)


def as_marks(text: str, target: str) -> str:
    """The marks as the target language writes them."""
    if langs.normalize(target) in FULL_WIDTH_TARGETS:
        return text
    return text.translate(_NARROW)


async def translate_words(request: TranslationRequest,
                          send: Callable[[TranslationRequest], Awaitable[list[str]]]
                          ) -> list[str]:
    """The page's translations: texts with letters through `send` (in one request, as the
    page's texts are), marks written for the target here."""
    words = [i for i, t in enumerate(request.texts) if not letterless(t)]
    answers = [as_marks(t, request.target) for t in request.texts]
    if not words:
        return answers
    hints = request.length_hints
    sent = await send(replace(
        request, texts=tuple(request.texts[i] for i in words),
        length_hints=tuple(hints[i] for i in words) if hints else ()))
    for i, text in zip(words, sent, strict=True):
        answers[i] = text
    return answers
