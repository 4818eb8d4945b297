"""Reading an LLM's `{"translations": [...]}` reply, forgiving the usual slips.

Models asked for JSON still wrap it in code fences, add a sentence before it, leave trailing
commas, use single quotes or curly quotes, name the key differently, or return objects instead
of strings. Each of those is repaired here; anything else, or a list of the wrong length,
raises `BadReply` so the caller can ask again.
"""

from __future__ import annotations

import ast
import json
import re

_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_ITEM_KEYS = ("translation", "text", "target", "translated", "output")


class BadReply(ValueError):
    """The reply cannot be used; `str()` says why, short enough for an error message."""


def _candidates(content: str) -> list[str]:
    text = content.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    out = [text]
    for open_, close in (("{", "}"), ("[", "]")):
        start, end = text.find(open_), text.rfind(close)
        if 0 <= start < end:
            out.append(text[start : end + 1])
    return out


def _load(snippet: str) -> object:
    attempts = (
        snippet,
        _TRAILING_COMMA.sub(r"\1", snippet),
        _TRAILING_COMMA.sub(r"\1", snippet.replace("“", '"').replace("”", '"')),
    )
    for attempt in attempts:
        try:
            return json.loads(attempt)
        except ValueError:
            continue
    try:
        # Python-literal style: single quotes, True/None.
        return ast.literal_eval(snippet)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise BadReply("reply is not valid JSON") from None


def _translations(data: object) -> list[object]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise BadReply("reply is not a JSON object")
    for key in ("translations", "translation", "texts", "result", "results"):
        value = data.get(key)
        if isinstance(value, list):
            return value
    lists = [v for v in data.values() if isinstance(v, list)]
    if len(lists) == 1:
        return lists[0]
    raise BadReply("reply has no 'translations' list")


def _item(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        for key in _ITEM_KEYS:
            if isinstance(value.get(key), str):
                return str(value[key])
    raise BadReply("reply holds a translation that is not a string")


def parse_translations(content: str | None, expected: int) -> list[str]:
    """The reply's translations, exactly `expected` of them, or `BadReply`."""
    if not content or not content.strip():
        raise BadReply("reply is empty")
    last: BadReply | None = None
    for snippet in _candidates(content):
        try:
            items = [_item(v) for v in _translations(_load(snippet))]
        except BadReply as e:
            last = e
            continue
        if len(items) != expected:
            raise BadReply(f"reply has {len(items)} translations for {expected} texts")
        return items
    raise last or BadReply("reply is not valid JSON")
