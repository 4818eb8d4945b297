"""Choosing a backend by name; `none` and `deterministic`; credentials from the environment."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from workers.config import TranslatorSettings
from workers.errors import TranslatorNotConfigured
from workers.translators.base import TranslationRequest
from workers.translators.deterministic import WORDS, pseudo_translate, visual_width
from workers.translators.registry import (
    BACKEND_NAMES,
    ENV_KEYS,
    apply_env,
    create_translator,
)


def test_names() -> None:
    assert set(BACKEND_NAMES) == {
        "none",
        "deterministic",
        "groundtruth",
        "libretranslate",
        "openai",
        "deepl",
        "papago",
        "google",
    }
    assert set(ENV_KEYS) == set(BACKEND_NAMES)
    assert ENV_KEYS["deepl"][0] == "DEEPL_AUTH_KEY"
    assert all("ITP_API_KEY" in ENV_KEYS[n] for n in ("openai", "deepl", "papago", "google"))


def test_no_translator_chosen_says_how_to_choose() -> None:
    with pytest.raises(TranslatorNotConfigured) as e:
        create_translator(TranslatorSettings())
    message = str(e.value)
    for needle in (
        "--translator",
        "ITP_TRANSLATOR",
        "ITP_TRANSLATOR_URL",
        "DEEPL_AUTH_KEY",
        "OPENAI_API_KEY",
        "NAVER_CLIENT_ID",
        "GOOGLE_API_KEY",
        *BACKEND_NAMES,
    ):
        assert needle in message


def test_unknown_translator_lists_the_valid_ones() -> None:
    with pytest.raises(TranslatorNotConfigured, match="unknown translator 'bing'") as e:
        create_translator(TranslatorSettings(name="bing"))
    assert all(name in str(e.value) for name in BACKEND_NAMES)


def test_backends_are_imported_only_when_chosen() -> None:
    code = textwrap.dedent(
        """
        import sys
        from workers.config import TranslatorSettings
        from workers.translators.registry import create_translator
        create_translator(TranslatorSettings(name="none"))
        heavy = [m for m in ("workers.translators.openai", "workers.translators.deepl",
                             "workers.translators.papago", "workers.translators.google",
                             "workers.translators.libretranslate") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def test_none_erases_only() -> None:
    t = create_translator(TranslatorSettings(name="none"))
    assert await t.translate(TranslationRequest(texts=("a", "b"), source="ja", target="en")) == [
        "",
        "",
    ]
    await t.aclose()


async def test_deterministic_is_stable_readable_and_about_as_wide() -> None:
    t = create_translator(TranslatorSettings(name="Deterministic", latency_s=0.0))
    texts = ("これは長いセリフですね、本当に。", "ドン", "", "What?!")
    request = TranslationRequest(texts=texts, source="ja", target="en")
    first = await t.translate(request)
    assert first == await t.translate(request)
    assert first[2] == ""
    assert first[3].endswith("!")
    long = first[0]
    assert long[0].isupper() and long.endswith(".")
    assert all(w.strip(".!?").lower() in WORDS for w in long.split())
    assert abs(len(long) - visual_width(texts[0])) <= max(len(w) for w in WORDS) + 1
    assert pseudo_translate(texts[0], "ja", "en") != pseudo_translate(texts[0], "ja", "ko")
    await t.aclose()


def test_apply_env_fills_only_what_is_missing() -> None:
    env = {
        "DEEPL_AUTH_KEY": "deepl-key",
        "ITP_API_KEY": "generic",
        "NAVER_CLIENT_ID": "nid",
        "NAVER_CLIENT_SECRET": "nsecret",
        "OPENAI_BASE_URL": "http://localhost:11434/v1",
    }
    assert apply_env(TranslatorSettings(name="deepl"), env).api_key == "deepl-key"
    assert apply_env(TranslatorSettings(name="google"), env).api_key == "generic"
    flagged = TranslatorSettings(name="deepl", api_key="from-flag")
    assert apply_env(flagged, env).api_key == "from-flag"
    papago = apply_env(TranslatorSettings(name="papago"), env)
    assert papago.option("client_id") == "nid" and papago.option("client_secret") == "nsecret"
    assert apply_env(TranslatorSettings(name="openai"), env).url == "http://localhost:11434/v1"
    assert apply_env(TranslatorSettings(name="none"), env).api_key == ""
