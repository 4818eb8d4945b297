from __future__ import annotations

from pathlib import Path

import pytest

from tests.workers.render.pages import CJK_COLLECTION, cjk_face_or_skip, latin_face
from workers.errors import FontMissing
from workers.render.cmap import read_coverage
from workers.render.fonts import covers, find_font, load_font, missing_chars
from workers.render.scripts import script_for


def test_finds_a_font_for_english() -> None:
    face = find_font("en", "Hello, world!")
    assert face.path.is_file()
    assert missing_chars(face, "Hello, world!") == ""
    assert load_font(face, 20).getlength("Hello") > 0


def test_english_prefers_a_bold_sans() -> None:
    face = latin_face()
    assert "mono" not in face.family.lower()
    assert "serif" not in face.family.lower()


@pytest.mark.parametrize(
    ("lang", "sample"), [("ja", "こんにちは漢字"), ("ko", "안녕하세요"), ("zh", "你好世界")]
)
def test_finds_a_cjk_font(lang: str, sample: str) -> None:
    face = cjk_face_or_skip(lang)
    assert missing_chars(face, sample) == ""


def test_cjk_collection_face_matches_the_language() -> None:
    face = cjk_face_or_skip("ko")
    if face.path.suffix.lower() != ".ttc":
        pytest.skip("the Korean font here is not a collection")
    assert "KR" in face.family or "Korean" in face.family or face.index != 0


def test_missing_font_file_is_font_missing() -> None:
    with pytest.raises(FontMissing, match="no such file"):
        find_font("en", "Hi", override=Path("/nonexistent/font.ttf"))


def test_non_font_file_is_font_missing(tmp_path: Path) -> None:
    bogus = tmp_path / "font.ttf"
    bogus.write_bytes(b"definitely not a font" * 10)
    with pytest.raises(FontMissing):
        find_font("en", "Hi", override=bogus)


def test_latin_font_is_rejected_for_japanese() -> None:
    latin = latin_face()
    assert not covers(latin, "あ")
    with pytest.raises(FontMissing) as err:
        find_font("ja", "こんにちは", override=latin.path)
    message = str(err.value)
    assert "Japanese" in message
    assert "--font" in message
    assert "fonts-noto-cjk" in message


def test_override_is_used_when_it_covers_the_script() -> None:
    latin = latin_face()
    assert find_font("en", "Hello", override=latin.path).path == latin.path


def test_override_collection_picks_the_language_face() -> None:
    if not CJK_COLLECTION.is_file():
        pytest.skip("Noto Sans CJK collection not installed")
    assert "KR" in find_font("ko", override=CJK_COLLECTION).family
    assert "JP" in find_font("ja", override=CJK_COLLECTION).family
    assert "SC" in find_font("zh", override=CJK_COLLECTION).family
    assert "TC" in find_font("zh-TW", override=CJK_COLLECTION).family


def test_text_mixing_scripts_gets_a_font_with_all_glyphs() -> None:
    cjk_face_or_skip("ja")
    face = find_font("en", "Thank you, Tanaka-さん!")
    assert missing_chars(face, "Thank you, Tanaka-さん!") == ""


def test_unrenderable_characters_do_not_fail_the_page() -> None:
    # No font here is expected to have this private-use character: the best face is used and
    # the character is reported missing (render leaves it out).
    face = find_font("en", "Hi \U000f0000")
    assert missing_chars(face, "Hi \U000f0000") == "\U000f0000"


def test_cmap_coverage_matches_pillow_rendering() -> None:
    face = latin_face()
    cov = read_coverage(face.path, face.index)
    assert ord("A") in cov and ord("é") in cov
    assert ord("あ") not in cov


def test_script_for_language_tags() -> None:
    assert script_for("zh").key == "zh-cn"
    assert script_for("zh-Hant").key == "zh-tw"
    assert script_for("zh_TW").key == "zh-tw"
    assert script_for("pt-BR").key == "latin"
    assert script_for("ru").key == "cyrillic"
