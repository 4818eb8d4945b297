"""Line breaking: by words for spaced scripts, by characters for Japanese and Chinese.

Widths come from a caller's measure function, so the same wrapping serves every font size
(the fitter measures once at a reference size and scales the available width instead).
Words wider than a line are broken between characters, without a hyphen. Japanese/Chinese
line-breaking rules (kinsoku) are applied in both modes: closing brackets, small kana and
sentence punctuation never start a line; opening brackets never end one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workers.types import is_cjk_char

Measure = Callable[[str], float]

NO_LINE_START = frozenset(
    "、。，．・：；？！ー―‐゠–〜～…‥」』）］｝〉》】〕〗〙〛’”｠»"
    "ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    ",.!?:;)]}%'\"…"
)
NO_LINE_END = frozenset("「『（［｛〈《【〔〖〘〚‘“｟«([{")
# How many characters may be pushed to the next line to satisfy kinsoku ("。」" etc.).
_MAX_CARRY = 3


@dataclass(frozen=True, slots=True)
class Token:
    """An unbreakable piece of text; `space` is whether a space separates it from the piece
    before it on the same line."""

    text: str
    space: bool


def normalize(text: str) -> str:
    """Whitespace collapsed to single spaces: the source's line breaks were the source
    layout's, not the translation's."""
    return " ".join(text.split())


def tokenize(text: str, by_chars: bool) -> list[Token]:
    """Words (spaced scripts), or single characters with embedded Latin runs kept whole."""
    tokens: list[Token] = []
    for word in normalize(text).split(" "):
        if not word:
            continue
        if not by_chars:
            tokens.append(Token(word, True))
            continue
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


def graphemes(word: str) -> list[str]:
    """Characters with their combining marks attached (never split a base from its accent)."""
    out: list[str] = []
    for ch in word:
        if out and (unicodedata.combining(ch) or ch in "\u200d\ufe0f\ufe0e"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(tokens: Sequence[Token], max_width: float, measure: Measure) -> list[str]:
    """Greedy line filling; tokens wider than `max_width` are broken between characters."""
    return [_join(line) for line in _wrap(tokens, max_width, measure)[0]]


def wrap_balanced(tokens: Sequence[Token], max_width: float, measure: Measure) -> list[str]:
    """As `wrap`, with line lengths evened out: the narrowest width that still gives the same
    number of lines (a speech bubble reads better as 3 similar lines than as 2 full + 1 word)."""
    lines, widths = _wrap(tokens, max_width, measure)
    if len(lines) >= 2:
        lo, hi = max(widths) / 2.0, max(widths)
        # Never narrower than the longest word that fits whole: balancing must not break words.
        longest = max(measure(t.text) for t in tokens)
        if longest <= max_width:
            lo = max(lo, longest)
        for _ in range(6):
            mid = (lo + hi) / 2.0
            trial, trial_widths = _wrap(tokens, mid, measure)
            if len(trial) <= len(lines) and max(trial_widths) <= mid:
                lines, hi = trial, mid
            else:
                lo = mid
    return [_join(line) for line in lines]


def widest(tokens: Sequence[Token], max_width: float, measure: Measure) -> tuple[int, float, bool]:
    """Number of lines, widest line width (in `measure` units), and whether a word had to be
    broken, for what `wrap` would give."""
    lines, widths = _wrap(tokens, max_width, measure)
    return len(widths), max(widths, default=0.0), sum(map(len, lines)) != len(tokens)


def _wrap(
    tokens: Sequence[Token], max_width: float, measure: Measure
) -> tuple[list[list[Token]], list[float]]:
    space = measure(" ")
    lines: list[list[Token]] = []
    cur: list[Token] = []
    cur_w = 0.0
    for tok in _split_long(tokens, max_width, measure):
        add = measure(tok.text) + (space if cur and tok.space else 0.0)
        if cur and cur_w + add > max_width:
            carry = _kinsoku_carry(cur, tok)
            lines.append(cur[: len(cur) - len(carry)])
            cur = [*carry, tok]
            cur_w = _line_width(cur, measure, space)
        else:
            cur.append(tok)
            cur_w += add
    if cur:
        lines.append(cur)
    return lines, [_line_width(line, measure, space) for line in lines]


def _split_long(tokens: Sequence[Token], max_width: float, measure: Measure) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        if measure(tok.text) <= max_width:
            out.append(tok)
            continue
        # Summing per-character advances ignores kerning, which only narrows text: the
        # chunks err on the short side.
        chunk, chunk_w, space = "", 0.0, tok.space
        for g in graphemes(tok.text):
            gw = measure(g)
            if chunk and chunk_w + gw > max_width:
                out.append(Token(chunk, space))
                chunk, chunk_w, space = "", 0.0, False
            chunk += g
            chunk_w += gw
        if chunk:
            out.append(Token(chunk, space))
    return out


def _kinsoku_carry(cur: list[Token], nxt: Token) -> list[Token]:
    """Tokens to move from the end of `cur` to the next line so that the next line does not
    start with closing punctuation and `cur` does not end with an opening bracket."""
    carry = 0
    if nxt.text[0] in NO_LINE_START and not nxt.space:
        carry = 1
        while (
            carry < _MAX_CARRY
            and carry < len(cur) - 1
            and cur[len(cur) - carry].text[0] in NO_LINE_START
            and not cur[len(cur) - carry].space
        ):
            carry += 1
    while (
        carry < min(_MAX_CARRY, len(cur) - 1) and cur[len(cur) - 1 - carry].text[-1] in NO_LINE_END
    ):
        carry += 1
    carry = min(carry, len(cur) - 1)
    return cur[len(cur) - carry :] if carry > 0 else []


def _line_width(line: Sequence[Token], measure: Measure, space: float) -> float:
    return sum(measure(t.text) for t in line) + space * sum(1 for t in line[1:] if t.space)


def _join(line: Sequence[Token]) -> str:
    return "".join((" " if i and t.space else "") + t.text for i, t in enumerate(line))
