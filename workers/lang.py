"""Source language from the script OCR read: no extra API call for `--source auto`."""

from __future__ import annotations

from collections.abc import Iterable


def detect_source_lang(texts: Iterable[str], default: str = "en") -> str:
    """Kana -> ja, hangul -> ko, han without kana -> zh, Latin -> en (the translator gets
    `en` rather than `auto`: most comics in Latin script that we see are English)."""
    kana = hangul = han = latin = 0
    for text in texts:
        for ch in text:
            o = ord(ch)
            if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
                kana += 1
            elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
                hangul += 1
            elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
                han += 1
            elif ch.isascii() and ch.isalpha():
                latin += 1
    if hangul and hangul >= max(kana, han, latin) / 2:
        return "ko"
    # Japanese text is mostly kanji with some kana; a little kana is a strong signal.
    if kana and kana * 4 >= han:
        return "ja"
    if han and han >= latin:
        return "zh" if kana == 0 else "ja"
    if latin:
        return "en"
    return default
