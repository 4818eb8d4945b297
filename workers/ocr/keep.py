"""Which recognised lines are text: the recognizer's score, and where it is unsure, what it
read.

A detection the recognizer reads at a good score is a line. Below that score most
detections are texture (screentone, hatching, hair, a sign in the art) read as glyphs, but
so are real lines that are small, hand-lettered or cut short: "や" beside a bubble's second
column, "やめて…" squeezed next to a face, a tiny aside under a panel. On the samples the
two kinds part by what was read: texture comes out as a lone kanji, a digit, a yen sign or
a couple of Latin letters; real lines as kana (or hangul), which texture almost never
imitates. So an unsure line is kept when it holds kana or hangul. Lines under
UNSURE_FLOOR are dropped whatever they say.
"""

from __future__ import annotations

from workers.ocr.script import is_hangul

# Under this score nothing is kept: the recognizer is guessing.
UNSURE_FLOOR = 0.2


def is_noise(text: str) -> bool:
    """A lone comma or dot read off screentone. (CJK ellipses and ！？ are real bubbles.)"""
    return all(ch.isascii() and not ch.isalnum() for ch in text)


def is_phonetic(ch: str) -> bool:
    """Hiragana, katakana (full and half width) or a hangul syllable."""
    o = ord(ch)
    return 0x3041 <= o <= 0x30FA or 0xFF66 <= o <= 0xFF9D or is_hangul(ch)


def keep_line(text: str, score: float, floor: float) -> bool:
    """Keep a recognised line: sure enough (`floor` is its recognizer's), or unsure but read
    as kana or hangul."""
    if not text or is_noise(text):
        return False
    if score >= floor:
        return True
    return score >= UNSURE_FLOOR and any(is_phonetic(ch) for ch in text)
