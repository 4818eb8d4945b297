"""What the `openai` backend says to the model.

The system prompt is short on purpose: small local models (Ollama, llama.cpp) follow a few
clear rules better than many. Everything about the page travels as one JSON object in the last
user message:

    {"source": "ja", "target": "en",
     "texts": [...],            # this page, in reading order
     "length_hints": [...],     # characters the bubble holds, one per text
     "glossary": {src: dst},    # terms that occur on this page; must be used
     "previous_pages": [{"page": 1, "source": [...], "translation": [...]}],
     "context": [{"source", "translation"}],   # only when the caller supplies some
     "note": "..."}             # only on a retry: what was wrong with the last reply
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from workers.translators.page_context import Page

SYSTEM_PROMPT = """\
You translate comics (manga, manhwa, manhua, webtoons) for lettering into speech bubbles.
The user sends JSON. Translate every item of "texts" from "source" to "target" (language \
codes; "auto" means detect).
Rules:
- Natural, spoken dialogue that fits each character's tone; keep it about length_hints[i] \
characters, since it must fit the bubble.
- Sound effects stay sound effects: give a short target-language onomatopoeia, not a description.
- Honorifics (-san, -kun, -chan, -sama, senpai, -nim, hyung, unnie): keep them romanized when \
translating into English; otherwise use the target language's natural form of address.
- Always use the glossary's translation for its terms.
- previous_pages and context are earlier dialogue for consistency; do not translate them.
- Silently fix obvious OCR mistakes. Return noise or lone symbols unchanged.
Reply with only a JSON object {"translations": [...]}: exactly one string per text, same \
order, no notes or explanations."""


def user_payload(
    *,
    source: str,
    target: str,
    texts: Sequence[str],
    hints: Sequence[int],
    glossary: Mapping[str, str],
    previous: Sequence[Page],
    context: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> str:
    body: dict[str, object] = {
        "source": source,
        "target": target,
        "texts": list(texts),
        "length_hints": list(hints),
        "glossary": dict(glossary),
        "previous_pages": [p.as_json() for p in previous],
    }
    if context:
        body["context"] = [{"source": s, "translation": t} for s, t in context]
    if note:
        body["note"] = note
    return json.dumps(body, ensure_ascii=False)


def messages(payload: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": payload},
    ]


def estimate_tokens(payload: str, hints: Sequence[int]) -> int:
    """A rough count for the tokens-per-minute limiter: ~3 characters per token in, and an
    answer about as long as the hints (CJK and Latin averaged)."""
    return (len(SYSTEM_PROMPT) + len(payload)) // 3 + sum(hints) + 16
