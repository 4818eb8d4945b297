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
    return Wrapper(tokens, measure).wrap(max_width)


def wrap_balanced(tokens: Sequence[Token], max_width: float, measure: Measure) -> list[str]:
    """As `wrap`, with line lengths evened out (see `Wrapper.balanced`)."""
    return Wrapper(tokens, measure).balanced(max_width)


class Wrapper:
    """Tokens measured once, wrapped at any width (the fitter tries many)."""

    def __init__(self, tokens: Sequence[Token], measure: Measure) -> None:
        self.measure = measure
        self.space = measure(" ")
        self.tokens = list(tokens)
        self.widths = [measure(t.text) for t in self.tokens]
        self.longest = max(self.widths, default=0.0)

    def wrap(self, max_width: float) -> list[str]:
        return [_join(line) for line in self._lines(max_width)[0]]

    def balanced(self, max_width: float) -> list[str]:
        """The narrowest wrapping with as few lines as at `max_width`: a speech bubble reads
        better as 3 similar lines than as 2 full ones and a single word."""
        lines, widths, _broke = self._lines(max_width)
        if len(lines) >= 2:
            lo, hi = max(widths) / 2.0, max(widths)
            # Never narrower than the longest word that fits whole: balancing must not break
            # words.
            if self.longest <= max_width:
                lo = max(lo, self.longest)
            for _ in range(6):
                mid = (lo + hi) / 2.0
                trial, trial_widths, _b = self._lines(mid)
                if len(trial) <= len(lines) and max(trial_widths) <= mid:
                    lines, hi = trial, mid
                else:
                    lo = mid
        return [_join(line) for line in lines]

    def widest(self, max_width: float) -> tuple[int, float, bool]:
        """Number of lines, widest line (in `measure` units), and whether a word had to be
        broken, when wrapped at `max_width`."""
        _lines, widths, broke = self._lines(max_width)
        return len(widths), max(widths, default=0.0), broke

    def _lines(self, max_width: float) -> tuple[list[list[_Piece]], list[float], bool]:
        pieces, broke = self._pieces(max_width)
        space = self.space
        lines: list[list[_Piece]] = []
        cur: list[_Piece] = []
        cur_w = 0.0
        for p in pieces:
            add = p.width + (space if cur and p.space else 0.0)
            if cur and cur_w + add > max_width:
                carry = _kinsoku_carry(cur, p)
                if carry:
                    lines.append(cur[:-carry])
                    cur = [*cur[-carry:], p]
                    cur_w = _width(cur, space)
                else:
                    lines.append(cur)
                    cur, cur_w = [p], p.width
            else:
                cur.append(p)
                cur_w += add
        if cur:
            lines.append(cur)
        return lines, [_width(line, space) for line in lines], broke

    def _pieces(self, max_width: float) -> tuple[list[_Piece], bool]:
        out: list[_Piece] = []
        broke = False
        for tok, w in zip(self.tokens, self.widths, strict=True):
            if w <= max_width:
                out.append(_Piece(tok.text, tok.space, w))
                continue
            broke = True
            # Summing per-character advances ignores kerning, which only narrows text: the
            # chunks err on the short side.
            chunk, chunk_w, space = "", 0.0, tok.space
            for g in graphemes(tok.text):
                gw = self.measure(g)
                if chunk and chunk_w + gw > max_width:
                    out.append(_Piece(chunk, space, chunk_w))
                    chunk, chunk_w, space = "", 0.0, False
                chunk += g
                chunk_w += gw
            if chunk:
                out.append(_Piece(chunk, space, chunk_w))
        return out, broke


@dataclass(frozen=True, slots=True)
class _Piece:
    """A token (or a chunk of an over-long one) with its width and kinsoku properties."""

    text: str
    space: bool
    width: float

    @property
    def no_start(self) -> bool:
        return self.text[0] in NO_LINE_START and not self.space

    @property
    def no_end(self) -> bool:
        return self.text[-1] in NO_LINE_END


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
    return min(carry, n - 1)


def _width(line: Sequence[_Piece], space: float) -> float:
    return sum(p.width for p in line) + space * sum(1 for p in line[1:] if p.space)


def _join(line: Sequence[_Piece]) -> str:
    return "".join((" " if i and p.space else "") + p.text for i, p in enumerate(line))
