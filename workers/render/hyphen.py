"""Where a word may be cut at a line end: the hyphenation points of a real dictionary.

Pyphen carries the LibreOffice/TeX hyphenation patterns for some 80 languages. A word is cut
only at a point its language's patterns give, keeping at least two letters before the cut and
three after it ("be-gin-ning", never "begin-n-ing" nor "fro-m"); leading and trailing
punctuation ("(beginning)...") is kept off the patterns and on its side of the word. Languages
without patterns (Korean, Japanese, Chinese) have no points at all: their words are never cut.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

from workers.render.scripts import base_lang

# Letters kept on each side of a cut.
LEFT_MIN = 2
RIGHT_MIN = 3
# Dictionaries for these targets would cut words the reader expects whole.
_NEVER = frozenset({"ko", "ja", "zh", "yue", "lzh", "th"})
_lock = threading.Lock()


@lru_cache(maxsize=64)
def _dictionary_name(lang: str) -> str | None:
    base = base_lang(lang)
    if not base or base in _NEVER:
        return None
    import pyphen

    for name in (lang.replace("-", "_"), base):
        found = pyphen.language_fallback(name)
        if found:
            return str(found)
    return None


@lru_cache(maxsize=16)
def _dictionary(name: str) -> Callable[[str], list[int]]:
    import pyphen

    dic = pyphen.Pyphen(lang=name, left=LEFT_MIN, right=RIGHT_MIN)

    def positions(word: str) -> list[int]:
        # Pyphen's dictionary objects share a pattern cache that is not thread-safe.
        with _lock:
            return [int(p) for p in dic.positions(word)]

    return positions


def splitter(lang: str) -> Callable[[str], tuple[int, ...]] | None:
    """A function giving a word's cut points (character offsets, ascending) for `lang`, or
    None when the language has no hyphenation patterns."""
    name = _dictionary_name(lang)
    if name is None:
        return None
    positions = _dictionary(name)

    def points(word: str) -> tuple[int, ...]:
        return cut_points(word, positions)

    return points


@lru_cache(maxsize=8192)
def _cached(word: str, positions: Callable[[str], list[int]]) -> tuple[int, ...]:
    start = 0
    while start < len(word) and not word[start].isalpha():
        start += 1
    end = len(word)
    while end > start and not word[end - 1].isalpha():
        end -= 1
    core = word[start:end]
    # Only plain words: "R2-D2", "http://..." or mixed digits are not for a dictionary.
    if len(core) < LEFT_MIN + RIGHT_MIN or not core.isalpha():
        return ()
    return tuple(start + p for p in positions(core) if LEFT_MIN <= p <= len(core) - RIGHT_MIN)


def cut_points(word: str, positions: Callable[[str], list[int]]) -> tuple[int, ...]:
    """`word`'s cut points from a dictionary's `positions` function."""
    return _cached(word, positions)
