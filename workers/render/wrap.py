"""Line breaking into lines of given widths: between words, or between characters for Japanese
and Chinese.

Spaced scripts (Latin, Cyrillic, Korean...) break only between words, and after a hyphen or
dash a word already has. A word wider than the line it starts is the one case where a word is
cut: at a point the hyphenation dictionary allows, with a hyphen drawn (`hyphen.py`); a word
with no such point (or a language without a dictionary, Korean among them) is never cut, and
the fitter tries a smaller size instead. Japanese/Chinese break between characters under the
line-breaking rules (kinsoku): closing brackets, small kana and sentence punctuation never
start a line; opening brackets never end one. Latin runs inside CJK text stay whole.

Widths come from a caller's measure function, so the same breaking serves every font size
(the fitter measures once at a reference size and scales the widths instead).
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workers.types import is_cjk_char

Measure = Callable[[str], float]
# Where a word may be cut: character offsets, best (latest) last; empty when nowhere.
Splitter = Callable[[str], Sequence[int]]

NO_LINE_START = frozenset(
    "、。，．・：；？！ー―‐゠–〜～…‥」』）］｝〉》】〕〗〙〛’”｠»"
    "ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    ",.!?:;)]}%'\"…"
)
NO_LINE_END = frozenset("「『（［｛〈《【〔〖〘〚‘“｟«([{")
# Characters after which a spaced-script word may end a line (the mark stays at the line end).
_BREAK_AFTER = frozenset("-‐–—/")
# How many pieces may be pushed to the next line to satisfy kinsoku ("。」" etc.).
_MAX_CARRY = 3
HYPHEN = "-"
# Cut words per block: two hyphens in one balloon read worse than a size smaller.
MAX_HYPHENS = 1


@dataclass(frozen=True, slots=True)
class Token:
    """An unbreakable piece of text; `space` is whether a space separates it from the piece
    before it on the same line; `word` marks a spaced-script word that may be hyphenated."""

    text: str
    space: bool
    word: bool = False


@dataclass(frozen=True, slots=True)
class Broken:
    """Text broken into lines: each line's text (a hyphen added at a cut included), its width
    in measure units, and how many words were cut."""

    lines: tuple[str, ...]
    widths: tuple[float, ...]
    hyphens: int


def normalize(text: str) -> str:
    """Whitespace collapsed to single spaces: the source's line breaks were the source
    layout's, not the translation's."""
    return " ".join(text.split())


def graphemes(word: str) -> list[str]:
    """Characters with their combining marks attached (never split a base from its accent)."""
    out: list[str] = []
    for ch in word:
        if out and (unicodedata.combining(ch) or ch in "\u200d\ufe0f\ufe0e"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def tokenize(text: str, by_chars: bool) -> list[Token]:
    """Words (spaced scripts, split after their own hyphens and dashes), or single
    characters with embedded Latin runs kept whole."""
    tokens: list[Token] = []
    for word in normalize(text).split(" "):
        if not word:
            continue
        if by_chars:
            tokens.extend(_char_tokens(word))
        else:
            tokens.extend(_word_tokens(word))
    return tokens


def _word_tokens(word: str) -> list[Token]:
    parts: list[str] = []
    start = 0
    for i, ch in enumerate(word):
        # "well-known" may end a line after "well-"; a leading or doubled dash stays attached.
        if ch in _BREAK_AFTER and 0 < i < len(word) - 1 and word[i + 1] not in _BREAK_AFTER:
            parts.append(word[start : i + 1])
            start = i + 1
    parts.append(word[start:])
    return [Token(p, i == 0, True) for i, p in enumerate(parts) if p]


def _char_tokens(word: str) -> list[Token]:
    tokens: list[Token] = []
    run = ""
    first = True
    for cluster in graphemes(word):
        if is_cjk_char(cluster[0]) or _is_break_punct(cluster[0]):
            if run:
                tokens.append(Token(run, first))
                run, first = "", False
            tokens.append(Token(cluster, first))
            first = False
        else:
            run += cluster
    if run:
        tokens.append(Token(run, first))
    return tokens


def _is_break_punct(ch: str) -> bool:
    # ASCII punctuation stays in its Latin run ("don't", "OK!"); full-width punctuation is a
    # character of its own, subject to kinsoku.
    return ord(ch) > 0x7F and (ch in NO_LINE_START or ch in NO_LINE_END)


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    space: bool
    width: float
    word: bool
    cut: bool = False  # the head of a cut word: drawn with a hyphen

    @property
    def no_start(self) -> bool:
        return self.text[0] in NO_LINE_START and not self.space

    @property
    def no_end(self) -> bool:
        return self.text[-1] in NO_LINE_END


class Breaker:
    """Tokens measured once, broken into any sequence of line widths (the fitter tries
    many)."""

    def __init__(self, tokens: Sequence[Token], measure: Measure,
                 splitter: Splitter | None = None) -> None:
        self.measure = measure
        self.splitter = splitter
        self.space = measure(" ")
        self.hyphen = measure(HYPHEN)
        self.pieces = [_Piece(t.text, t.space, measure(t.text), t.word) for t in tokens]
        self.longest = max((p.width for p in self.pieces), default=0.0)
        # Every piece side by side, with the spaces between them: no line can hold more.
        self.total = _width(self.pieces, self.space)

    def break_into(self, widths: Sequence[float], *, hyphenate: bool = False) -> Broken | None:
        """The pieces filled greedily into lines of `widths` (in order), or None when they do
        not fit in that many lines. Lines are never left empty; with `hyphenate`, at most
        `MAX_HYPHENS` words are cut."""
        if not self.pieces:
            return Broken((), (), 0)
        lines: list[list[_Piece]] = [[]]
        queue = deque(self.pieces)
        hyphens = 0
        used = 0.0  # width of the line being filled
        while queue:
            i = len(lines) - 1
            if i >= len(widths):
                return None
            p = queue.popleft()
            cur = lines[-1]
            room = widths[i] - used
            add = p.width + (self.space if cur and p.space else 0.0)
            if add <= room:
                cur.append(p)
                used += add
                continue
            if not cur:
                # A word wider than the line it starts: the last resort.
                can_cut = hyphenate and hyphens < MAX_HYPHENS and i + 1 < len(widths)
                parts = self._cut(p, widths[i]) if can_cut else None
                if parts is None:
                    return None
                cur.append(parts[0])
                queue.appendleft(parts[1])
                lines.append([])
                used = 0.0
                hyphens += 1
                continue
            if (hyphenate and hyphens < MAX_HYPHENS and i + 1 < len(widths)
                    and p.width > widths[i + 1]):
                # It will be cut anyway: cut it here, filling this line first.
                parts = self._cut(p, room - (self.space if p.space else 0.0))
                if parts is not None:
                    cur.append(parts[0])
                    queue.appendleft(parts[1])
                    lines.append([])
                    used = 0.0
                    hyphens += 1
                    continue
            carry = _kinsoku_carry(cur, p)
            moved = cur[len(cur) - carry :] if carry else []
            del cur[len(cur) - carry :]
            queue.extendleft(reversed([*moved, p]))
            lines.append([])
            used = 0.0
        if not lines[-1]:
            lines.pop()
        texts = tuple(_join(line) for line in lines)
        return Broken(texts, tuple(_width(line, self.space) for line in lines), hyphens)

    def _cut(self, p: _Piece, width: float) -> tuple[_Piece, _Piece] | None:
        if not p.word or self.splitter is None:
            return None
        for at in reversed(self.splitter(p.text)):
            head = p.text[:at]
            w = self.measure(head) + self.hyphen
            if w <= width:
                rest = p.text[at:]
                return (_Piece(head, p.space, w, True, cut=True),
                        _Piece(rest, False, self.measure(rest), True))
        return None


def _kinsoku_carry(cur: list[_Piece], nxt: _Piece) -> int:
    """How many pieces to move from the end of `cur` to the next line so that the next line
    does not start with closing punctuation and `cur` does not end with an opening bracket."""
    n = len(cur)
    limit = min(_MAX_CARRY, n - 1)
    carry = 0
    if nxt.no_start:
        carry = 1
        while carry < limit and cur[n - carry].no_start:
            carry += 1
    while carry < limit and cur[n - 1 - carry].no_end:
        carry += 1
    return max(0, min(carry, n - 1))


def _width(line: Sequence[_Piece], space: float) -> float:
    return sum(p.width for p in line) + space * sum(1 for p in line[1:] if p.space)


def _join(line: Sequence[_Piece]) -> str:
    text = "".join((" " if i and p.space else "") + p.text for i, p in enumerate(line))
    return text + HYPHEN if line and line[-1].cut else text
