"""Translator backends by name, imported only when chosen.

`create_translator(settings, cache_dir)` builds one; `ENV_KEYS` tells the settings loader which
environment variables hold each backend's credentials (backends never read the environment
themselves), and `apply_env` applies them to settings that lack credentials.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from workers.config import TranslatorSettings
from workers.errors import ItpError, MissingExtra, TranslatorNotConfigured
from workers.translators import glossary as glossary_file
from workers.translators.base import Translator
from workers.translators.cache import TranslationCache
from workers.translators.common import BackendContext


@dataclass(frozen=True, slots=True)
class Backend:
    module: str
    summary: str
    # Network backends get the persistent cache; local ones would only fill it with noise.
    network: bool = True


BACKENDS: dict[str, Backend] = {
    "none": Backend("workers.translators.none", "erase only, letter nothing", network=False),
    "deterministic": Backend(
        "workers.translators.deterministic",
        "offline placeholder text for tests and benchmarks",
        network=False,
    ),
    "groundtruth": Backend(
        "workers.translators.groundtruth",
        "translations from annotated sample pages (itp eval): --translator-url FOLDER",
        network=False,
    ),
    "libretranslate": Backend(
        "workers.translators.libretranslate",
        "a LibreTranslate server: also set --translator-url / ITP_TRANSLATOR_URL",
    ),
    "openai": Backend(
        "workers.translators.openai",
        "OpenAI or an OpenAI-compatible server such as Ollama or llama.cpp: "
        "OPENAI_API_KEY, or --translator-url / ITP_TRANSLATOR_URL for a local server",
    ),
    "deepl": Backend("workers.translators.deepl", "DeepL: DEEPL_AUTH_KEY"),
    "papago": Backend(
        "workers.translators.papago", "Naver Papago: NAVER_CLIENT_ID and NAVER_CLIENT_SECRET"
    ),
    "google": Backend("workers.translators.google", "Google Cloud Translation: GOOGLE_API_KEY"),
}
BACKEND_NAMES: tuple[str, ...] = tuple(BACKENDS)

# Environment variables holding each backend's credentials, in priority order: the provider's
# own name first (it cannot belong to another service), the generic ITP_API_KEY last.
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "none": (),
    "deterministic": (),
    "groundtruth": (),
    "libretranslate": ("ITP_API_KEY",),
    "openai": ("OPENAI_API_KEY", "ITP_API_KEY"),
    "deepl": ("DEEPL_AUTH_KEY", "ITP_API_KEY"),
    "papago": ("NAVER_CLIENT_ID", "NAVER_CLIENT_SECRET", "ITP_API_KEY"),
    "google": ("GOOGLE_API_KEY", "ITP_API_KEY"),
}
# Where a variable goes when it is not the api_key: `TranslatorSettings.extra` keys.
ENV_EXTRA: dict[str, str] = {
    "NAVER_CLIENT_ID": "client_id",
    "NAVER_CLIENT_SECRET": "client_secret",
}
# Base-URL variables that providers' own tools also honour.
ENV_URLS: dict[str, tuple[str, ...]] = {"openai": ("OPENAI_BASE_URL",)}


def _choices() -> str:
    return "; ".join(f"{name} ({b.summary})" for name, b in BACKENDS.items())


def apply_env(settings: TranslatorSettings, environ: Mapping[str, str]) -> TranslatorSettings:
    """Fill the credentials (and base URL) that `settings` lacks from `environ`, per
    `ENV_KEYS`; values already set (flags, config file) win."""
    name = settings.name.strip().lower()
    api_key = settings.api_key
    extra = dict(settings.extra)
    for var in ENV_KEYS.get(name, ()):
        value = environ.get(var, "").strip()
        if not value:
            continue
        if var in ENV_EXTRA:
            extra.setdefault(ENV_EXTRA[var], value)
        elif not api_key:
            api_key = value
    url = settings.url
    for var in ENV_URLS.get(name, ()):
        url = url or environ.get(var, "").strip()
    return replace(settings, api_key=api_key, url=url, extra=tuple(extra.items()))


def create_translator(settings: TranslatorSettings, cache_dir: Path | None = None) -> Translator:
    """Build the backend `settings.name` names. `cache_dir` adds the on-disk translation
    cache (`translations.sqlite3` in it) to the in-memory one."""
    name = settings.name.strip().lower()
    if not name:
        raise TranslatorNotConfigured(
            f"no translator chosen: set --translator NAME / ITP_TRANSLATOR to one of: {_choices()}"
        )
    backend = BACKENDS.get(name)
    if backend is None:
        raise TranslatorNotConfigured(
            f"unknown translator {settings.name!r}: set --translator / ITP_TRANSLATOR to one "
            f"of {', '.join(BACKEND_NAMES)}"
        )
    try:
        module = importlib.import_module(backend.module)
    except ImportError as e:
        missing = e.name or "a dependency"
        raise MissingExtra(
            f"translator {name} needs the Python package {missing!r}, which is not installed"
        ) from e
    build = cast(Callable[[BackendContext], Translator], module.build)
    glossary = glossary_file.parse(settings.glossary) if settings.glossary else glossary_file.EMPTY
    cache = TranslationCache(cache_dir if backend.network else None)
    try:
        return build(BackendContext(settings=settings, cache=cache, glossary=glossary))
    except ItpError:
        cache.close()
        raise
