"""Which recognizer reads a page: decided per page, before the page is recognised.

The detector finds hangul lines as well as any others, but the PP-OCR recognizer that reads
Chinese, Japanese and Latin scripts has no hangul: on a Korean page it answers empty strings,
punctuation or Chinese-looking garbage at middling scores. So a few of the page's largest
lines (large lines read best) are read first by that recognizer. When most of them come out
as confident letters (two or more at a score of 0.85 or better), the page is not Korean and
the rest of it is read the same way; this is every Japanese, Chinese and English sample page,
and it costs nothing extra. Otherwise the Korean recognizer reads the same few lines, and the
page goes to whichever recognizer read more: the sum over the sampled lines of score times
the letters it read (hangul syllables for the Korean one; kana, han, Latin letters and digits
for the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from workers.ocr.base import Recognition, TextRecognizer
from workers.types import Box, Image

SAMPLE_LINES = 8
CONFIDENT_SCORE = 0.85
CONFIDENT_LETTERS = 2


def is_hangul(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def is_letter(ch: str) -> bool:
    """Kana, han, Latin letters and digits: what the PP-OCR recognizer reads when it reads."""
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or (ch.isascii() and ch.isalnum()))


def weight(recognitions: Sequence[Recognition], korean: bool) -> float:
    """Score times letters read, summed: how much of the sample a recognizer made out."""
    count = is_hangul if korean else is_letter
    return sum(r.score * sum(1 for ch in r.text if count(ch)) for r in recognitions)


def confident(recognitions: Sequence[Recognition]) -> bool:
    """Most sampled lines read as real letters at a high score."""
    good = sum(1 for r in recognitions if r.score >= CONFIDENT_SCORE
               and sum(1 for ch in r.text if is_letter(ch)) >= CONFIDENT_LETTERS)
    return bool(recognitions) and 2 * good >= len(recognitions)


def sample(boxes: Sequence[Box], count: int = SAMPLE_LINES) -> list[int]:
    """Indices of the `count` largest boxes, in page order."""
    def area(i: int) -> int:
        x0, y0, x1, y1 = boxes[i]
        return (x1 - x0) * (y1 - y0)

    return sorted(sorted(range(len(boxes)), key=area, reverse=True)[:count])


@dataclass(frozen=True, slots=True)
class Reading:
    """Every line's recognition, by the recognizer chosen for the page."""

    recognitions: list[Recognition]
    recognizer: TextRecognizer
    # The page was read by the Korean recognizer: its language is `ko`.
    korean: bool


class Started(Protocol):
    """Crops being read (`workers.ocr.crew`: helpers may already be at them)."""

    def result(self) -> list[Recognition]: ...

    def withdraw(self) -> None: ...


class _Later:
    """Crops read when their result is asked for (a recognizer without helpers)."""

    def __init__(self, recognizer: TextRecognizer, crops: Sequence[Image]) -> None:
        self._recognizer = recognizer
        self._crops = crops

    def result(self) -> list[Recognition]:
        return self._recognizer.recognize(self._crops) if self._crops else []

    def withdraw(self) -> None:
        pass


def begin(recognizer: TextRecognizer, crops: Sequence[Image]) -> Started:
    """Starts reading `crops` where the recognizer can (a crew's shared recognizer lets
    idle readers start on them now), else reads them when the result is asked for."""
    start = getattr(recognizer, "start", None)
    return cast(Started, start(crops)) if start is not None else _Later(recognizer, crops)


def read_page(crops: Sequence[Image], boxes: Sequence[Box], main: TextRecognizer,
              korean: TextRecognizer | None, source: str) -> Reading:
    """Reads every crop with the recognizer for the page. `source` is the job's source
    language: `ko` goes straight to the Korean recognizer (when there is one), another code
    straight to `main`, and `auto` is decided as the module's doc says. The lines outside
    the sample are offered to other readers while the sample is read (most pages are not
    Korean); they are read in the same calls as after the sample, so with the same results."""
    if korean is not None and source == "ko":
        return Reading(korean.recognize(crops), korean, True)
    if korean is None or source != "auto" or not crops:
        return Reading(main.recognize(crops), main, False)
    picked = sample(boxes)
    chosen = set(picked)
    rest = [i for i in range(len(crops)) if i not in chosen]
    ahead = begin(main, [crops[i] for i in rest])
    first = main.recognize([crops[i] for i in picked])
    if not confident(first):
        ahead.withdraw()
        other = korean.recognize([crops[i] for i in picked])
        if weight(other, korean=True) > weight(first, korean=False):
            return Reading(_complete(korean, crops, picked, other), korean, True)
    results = dict(zip(picked, first, strict=True))
    results.update(zip(rest, ahead.result(), strict=True))
    return Reading([results[i] for i in range(len(crops))], main, False)


def _complete(recognizer: TextRecognizer, crops: Sequence[Image], done: Sequence[int],
              known: Sequence[Recognition]) -> list[Recognition]:
    """Every crop's recognition, reusing those of the sampled crops."""
    results: dict[int, Recognition] = dict(zip(done, known, strict=True))
    rest = [i for i in range(len(crops)) if i not in results]
    if rest:
        results.update(zip(rest, recognizer.recognize([crops[i] for i in rest]),
                           strict=True))
    return [results[i] for i in range(len(crops))]
