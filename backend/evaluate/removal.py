"""Text removal: how much of the source text OCR no longer reads in place in the output.

Each source line the pipeline read is looked for in the output: the output lines that
overlap it, less those showing our own translation, are read together, and if they still
resemble the source line (difflib ratio at least 0.5) the line counts as still there,
weighted by its characters. Lines of blocks whose translation equals their source text are
left out: the pipeline keeps the artist's lettering for those on purpose (an English page
translated to English), and they are reported as kept.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from backend.evaluate.boxes import overlap_smaller
from backend.evaluate.readback import is_drawn, owner
from workers.types import Block, RenderedBlock, TextLine

STILL_READ_RATIO = 0.5
# How much an output line must overlap a source line to be read "in place".
IN_PLACE = 0.3


@dataclass(frozen=True, slots=True)
class RemovalScore:
    lines: int
    chars: int
    still_read_lines: int
    still_read_chars: int
    # 1.0: nothing of the source text is read any more; None: no source text to remove.
    share: float | None
    kept_blocks: int
    # The source lines OCR still reads, for the sheet.
    leftovers: tuple[str, ...]


def letters(text: str) -> str:
    """Letters and digits only: punctuation survives erasure as specks and is not text."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if ch.isalnum())


def still_read(line: TextLine, after: Sequence[TextLine]) -> bool:
    source = letters(line.text)
    near = "".join(letters(a.text) for a in after
                   if overlap_smaller(line.bbox, a.bbox) > IN_PLACE)
    if not source or not near:
        return False
    return difflib.SequenceMatcher(None, source, near, autojunk=False).ratio() \
        >= STILL_READ_RATIO


def removal(blocks: Sequence[Block], kept: Collection[int], after: Sequence[TextLine],
            rendered: Sequence[RenderedBlock] = ()) -> RemovalScore:
    """`blocks`: the pipeline's blocks with their source lines; `kept`: indices of blocks
    whose lettering was kept; `after`: OCR of the output page; `rendered`: what was
    lettered, so that our own lettering (read where the source was) is not taken for
    leftover source text."""
    drawn = [b for b in rendered if is_drawn(b)]
    after = [a for a in after if owner(a, drawn) is None]
    lines = chars = left_lines = left_chars = 0
    leftovers: list[str] = []
    for block in blocks:
        if block.index in kept:
            continue
        for line in block.lines:
            n = len(letters(line.text))
            if not n:
                continue
            lines += 1
            chars += n
            if still_read(line, after):
                left_lines += 1
                left_chars += n
                leftovers.append(line.text)
    share = round(1.0 - left_chars / chars, 4) if chars else None
    return RemovalScore(lines, chars, left_lines, left_chars, share,
                        sum(1 for b in blocks if b.index in kept), tuple(leftovers))
