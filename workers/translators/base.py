"""The translator interface. Backends live in sibling modules, are registered by name in
`registry.py`, and are imported only when chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TranslationRequest:
    """One page: every block's text in reading order, translated in one call.

    `length_hints` holds the source length (characters) of each text, so a backend that can
    (LLMs) keeps the translation about as long as the bubble allows. `job_id` and `page_index`
    let a backend carry context across the pages of one chapter.
    """

    texts: tuple[str, ...]
    source: str
    target: str
    length_hints: tuple[int, ...] = ()
    job_id: str = ""
    page_index: int = 0
    context: tuple[tuple[str, str], ...] = field(default=())


class Translator(Protocol):
    """Translate a page's texts; the answer has the same length and order as the request."""

    name: str

    async def translate(self, request: TranslationRequest) -> list[str]: ...

    async def aclose(self) -> None: ...
