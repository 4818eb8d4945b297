"""What each target language needs from a font: script, sample characters, preferred families.

Families are listed best first for lettering comics: comic lettering fonts where a user has
them, then heavy, plain sans faces (Noto / Source Han, the system UI sans of each OS).
Serif and monospace faces are never preferred.
"""

from __future__ import annotations

from dataclasses import dataclass

_CJK_HINT = (
    "install Noto Sans CJK (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: dnf install "
    "google-noto-sans-cjk-fonts; Arch: pacman -S noto-fonts-cjk; Windows/macOS: "
    "https://github.com/notofonts/noto-cjk/releases)"
)
_NOTO_HINT = (
    "install Noto Sans (Debian/Ubuntu: apt install fonts-noto-core; Fedora: dnf install "
    "google-noto-sans-fonts; Arch: pacman -S noto-fonts; Windows/macOS: "
    "https://fonts.google.com/noto)"
)
_LATIN_HINT = (
    "install DejaVu or Noto Sans (Debian/Ubuntu: apt install fonts-dejavu-core; Fedora: dnf "
    "install dejavu-sans-fonts; Arch: pacman -S ttf-dejavu)"
)

# Comic Neue (SIL OFL; Debian's fonts-comic-neue) is the free one `.ci/run` installs.
_COMIC = (
    "CC Wild Words",
    "Wild Words",
    "Anime Ace 2.0 BB",
    "Anime Ace",
    "Komika Axis",
    "Comic Neue",
)
_SANS = (
    "Noto Sans",
    "DejaVu Sans",
    "Arial",
    "Liberation Sans",
    "Helvetica Neue",
    "Helvetica",
    "Segoe UI",
    "Open Sans",
    "Roboto",
    "Verdana",
    "Arimo",
)


@dataclass(frozen=True, slots=True)
class Script:
    key: str
    name: str
    fc_lang: str
    sample: str
    families: tuple[str, ...]
    install_hint: str


SCRIPTS: dict[str, Script] = {
    s.key: s
    for s in (
        Script("latin", "Latin", "en", "AaZz", _COMIC + _SANS, _LATIN_HINT),
        Script(
            "ja",
            "Japanese",
            "ja",
            "あア漢字",
            (
                "Noto Sans CJK JP",
                "Noto Sans JP",
                "Source Han Sans JP",
                "Source Han Sans",
                "Hiragino Sans",
                "Hiragino Kaku Gothic ProN",
                "Hiragino Kaku Gothic Pro",
                "Yu Gothic",
                "YuGothic",
                "Meiryo",
                "IPAexGothic",
                "IPAPGothic",
                "IPAGothic",
                "TakaoPGothic",
                "VL PGothic",
                "MS PGothic",
                "MS Gothic",
            ),
            _CJK_HINT,
        ),
        Script(
            "ko",
            "Korean",
            "ko",
            "한글",
            (
                "Noto Sans CJK KR",
                "Noto Sans KR",
                "Source Han Sans KR",
                "Source Han Sans K",
                "Apple SD Gothic Neo",
                "Malgun Gothic",
                "NanumGothic",
                "NanumBarunGothic",
                "UnDotum",
                "Baekmuk Gulim",
            ),
            _CJK_HINT,
        ),
        Script(
            "zh-cn",
            "Chinese (Simplified)",
            "zh-cn",
            "汉语",
            (
                "Noto Sans CJK SC",
                "Noto Sans SC",
                "Source Han Sans SC",
                "Source Han Sans CN",
                "PingFang SC",
                "Microsoft YaHei",
                "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei",
                "Heiti SC",
                "SimHei",
                "Droid Sans Fallback",
            ),
            _CJK_HINT,
        ),
        Script(
            "zh-tw",
            "Chinese (Traditional)",
            "zh-tw",
            "漢語",
            (
                "Noto Sans CJK TC",
                "Noto Sans TC",
                "Source Han Sans TC",
                "Source Han Sans TW",
                "PingFang TC",
                "Microsoft JhengHei",
                "Heiti TC",
                "Noto Sans CJK HK",
                "WenQuanYi Zen Hei",
            ),
            _CJK_HINT,
        ),
        Script(
            "zh-hk",
            "Chinese (Hong Kong)",
            "zh-hk",
            "漢語",
            (
                "Noto Sans CJK HK",
                "Noto Sans HK",
                "Source Han Sans HK",
                "PingFang HK",
                "Noto Sans CJK TC",
                "Microsoft JhengHei",
                "WenQuanYi Zen Hei",
            ),
            _CJK_HINT,
        ),
        Script("cyrillic", "Cyrillic", "ru", "Жжя", _SANS, _NOTO_HINT),
        Script("greek", "Greek", "el", "Ωωλ", _SANS, _NOTO_HINT),
        Script(
            "arabic",
            "Arabic",
            "ar",
            "عربي",
            (
                "Noto Sans Arabic",
                "Noto Naskh Arabic",
                "Geeza Pro",
                "Segoe UI",
                "Arial",
                "DejaVu Sans",
            ),
            _NOTO_HINT,
        ),
        Script(
            "hebrew",
            "Hebrew",
            "he",
            "עבר",
            ("Noto Sans Hebrew", "Arial Hebrew", "Arial", "Segoe UI", "DejaVu Sans"),
            _NOTO_HINT,
        ),
        Script(
            "thai",
            "Thai",
            "th",
            "ไทย",
            (
                "Noto Sans Thai",
                "Noto Sans Thai Looped",
                "Leelawadee UI",
                "Thonburi",
                "Tahoma",
                "Loma",
            ),
            _NOTO_HINT,
        ),
        Script(
            "devanagari",
            "Devanagari",
            "hi",
            "हिन्दी",
            (
                "Noto Sans Devanagari",
                "Nirmala UI",
                "Kohinoor Devanagari",
                "Mangal",
                "Lohit Devanagari",
            ),
            _NOTO_HINT,
        ),
    )
}

_BY_LANG = {
    "ja": "ja",
    "ko": "ko",
    "ru": "cyrillic",
    "uk": "cyrillic",
    "bg": "cyrillic",
    "be": "cyrillic",
    "sr": "cyrillic",
    "mk": "cyrillic",
    "kk": "cyrillic",
    "mn": "cyrillic",
    "el": "greek",
    "ar": "arabic",
    "fa": "arabic",
    "ur": "arabic",
    "he": "hebrew",
    "yi": "hebrew",
    "th": "thai",
    "hi": "devanagari",
    "mr": "devanagari",
    "ne": "devanagari",
}

# Languages written without spaces between words: wrapped by characters.
CHAR_WRAPPED = frozenset({"ja", "zh", "yue", "lzh"})


def base_lang(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-")[0]


def script_for(lang: str) -> Script:
    """The script a target language is written in (`zh-TW`, `zh-Hant` → Traditional)."""
    norm = lang.strip().lower().replace("_", "-")
    base = norm.split("-")[0]
    if base in ("zh", "yue", "lzh"):
        parts = set(norm.split("-")[1:])
        if parts & {"hk", "mo"} or base == "yue":
            return SCRIPTS["zh-hk"]
        if parts & {"tw", "hant"}:
            return SCRIPTS["zh-tw"]
        return SCRIPTS["zh-cn"]
    return SCRIPTS[_BY_LANG.get(base, "latin")]


def script_of_char(ch: str) -> Script:
    """A script whose fonts are likely to have `ch` (for text mixing scripts)."""
    o = ord(ch)
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return SCRIPTS["ko"]
    if 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or o >= 0x20000:
        # Pan-CJK Japanese faces carry every Han character and the kana.
        return SCRIPTS["ja"]
    for lo, hi, key in (
        (0x0370, 0x03FF, "greek"),
        (0x0400, 0x052F, "cyrillic"),
        (0x0590, 0x05FF, "hebrew"),
        (0x0600, 0x06FF, "arabic"),
        (0x0900, 0x097F, "devanagari"),
        (0x0E00, 0x0E7F, "thai"),
    ):
        if lo <= o <= hi:
            return SCRIPTS[key]
    return SCRIPTS["latin"]
