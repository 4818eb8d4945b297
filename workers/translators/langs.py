"""Language codes: itp speaks short ISO 639-1 codes (`ja`, `zh`, `zh-tw`, `en`, `auto`); each
API wants its own spelling. One place maps them so the backends stay about their protocol."""

from __future__ import annotations

AUTO = "auto"

# Spellings users and browsers send, folded onto the codes below.
_ALIASES: dict[str, str] = {
    "jp": "ja",
    "kr": "ko",
    "cn": "zh",
    "zh-cn": "zh",
    "zh-sg": "zh",
    "zh-hans": "zh",
    "tw": "zh-tw",
    "zh-hk": "zh-tw",
    "zh-hant": "zh-tw",
    "pt-pt": "pt",
    "en-us": "en",
    "iw": "he",
}


def normalize(code: str) -> str:
    """`zh_CN` -> `zh`, `JA` -> `ja`, `` -> `auto`; unknown codes pass through lower-cased."""
    c = code.strip().replace("_", "-").lower()
    if not c:
        return AUTO
    return _ALIASES.get(c, c)


def libretranslate(code: str) -> str:
    """LibreTranslate (Argos) uses `zh`, `zt` for traditional Chinese, `pb` for Brazilian."""
    c = normalize(code)
    return {"zh-tw": "zt", "pt-br": "pb"}.get(c, c)


def deepl_source(code: str) -> str | None:
    """DeepL source languages carry no regional variant; None lets DeepL detect it."""
    c = normalize(code)
    if c == AUTO:
        return None
    return c.split("-")[0].upper()


def deepl_target(code: str) -> str:
    """DeepL wants a variant for some targets (plain `EN`/`PT` are deprecated as targets)."""
    c = normalize(code)
    special = {
        "en": "EN-US",
        "en-gb": "EN-GB",
        "pt": "PT-PT",
        "pt-br": "PT-BR",
        "zh": "ZH-HANS",
        "zh-tw": "ZH-HANT",
    }
    return special.get(c, c.split("-")[0].upper())


def google(code: str) -> str | None:
    """Cloud Translation v2: BCP-47-ish; Chinese needs its script region. None = detect."""
    c = normalize(code)
    if c == AUTO:
        return None
    return {"zh": "zh-CN", "zh-tw": "zh-TW", "pt-br": "pt-BR"}.get(c, c)


def papago(code: str) -> str:
    """Papago accepts `auto` as source and `zh-CN`/`zh-TW` for Chinese."""
    c = normalize(code)
    return {"zh": "zh-CN", "zh-tw": "zh-TW"}.get(c, c)
