"""Building the one `Settings` object at the edge: flags > environment > config file > defaults.

The environment is read here and nowhere else: `ITP_*` variables, plus the providers' usual
credential names (`OPENAI_API_KEY`, `DEEPL_AUTH_KEY`, ...) as the translator registry lists
them. The config file is `~/.config/itp/config.toml` (platform equivalent elsewhere), with the
same keys as the flags, e.g.:

    target = "en"
    inpainter = "auto"
    [translator]
    name = "openai"
    url = "http://127.0.0.1:11434/v1"
    model = "qwen2.5:7b"
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from platformdirs import user_config_dir

from workers.config import InpainterName, Precision, Settings, TranslatorSettings

INPAINTERS = ("auto", "lama", "opencv")
PRECISIONS = ("auto", "fp32", "fp16", "bf16")


def config_path(env: Mapping[str, str]) -> Path:
    if "ITP_CONFIG" in env:
        return Path(env["ITP_CONFIG"])
    return Path(user_config_dir("itp")) / "config.toml"


def add_pipeline_flags(parser: argparse.ArgumentParser) -> None:
    """The language/translator/inpainter flags shared by `translate`, `serve` and `bench`.
    Every default is None so that "not given" falls through to env and config."""
    g = parser.add_argument_group("pipeline")
    g.add_argument("--source", help="source language: auto (default, from the script), ja, "
                   "zh, ko, en, ...")
    g.add_argument("--target", help="target language (default en)")
    g.add_argument("--translator", help="none, libretranslate, openai, deepl, papago, google, "
                   "deterministic")
    g.add_argument("--translator-url", help="base URL of the translation service")
    g.add_argument("--translator-model", help="model name (openai-compatible backends)")
    g.add_argument("--glossary", type=Path, help="glossary file (names and terms)")
    g.add_argument("--inpainter", choices=INPAINTERS, help="auto (default): flat fill, LaMa "
                   "when its weights are present, else OpenCV")
    g.add_argument("--lama-weights", type=Path, help="a local LaMa checkpoint "
                   "(env ITP_LAMA_WEIGHTS)")
    g.add_argument("--precision", choices=PRECISIONS, help="LaMa precision on CUDA")
    g.add_argument("--font", type=Path, help="font file for the translation")
    g.add_argument("--device", help="cpu (default) or cuda:N")
    g.add_argument("--threads", type=int, help="CPU threads per model stage (default: half "
                   "the cores)")
    g.add_argument("--ocr-engines", type=int, help="OCR engines side by side (default: one "
                   "per core on CPU, one on a GPU)")
    g.add_argument("--cache-dir", type=Path, help="where models and caches live")


def _pick(flag: Any, env: Mapping[str, str], env_key: str, conf: Mapping[str, Any],
          conf_key: str, default: Any) -> Any:
    if flag is not None:
        return flag
    if env.get(env_key):
        return env[env_key]
    if conf.get(conf_key) is not None:
        return conf[conf_key]
    return default


def load_config(env: Mapping[str, str]) -> dict[str, Any]:
    path = config_path(env)
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def build_settings(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    conf = load_config(env)
    tconf = cast(dict[str, Any], conf.get("translator", {}))
    a = vars(args)

    def pick(name: str, env_key: str, default: Any, conf_map: Mapping[str, Any] = conf,
             conf_key: str | None = None) -> Any:
        return _pick(a.get(name), env, env_key, conf_map, conf_key or name, default)

    name = str(pick("translator", "ITP_TRANSLATOR", "", tconf, "name"))
    api_key, extra = _credentials(name, env, tconf)
    glossary = pick("glossary", "ITP_GLOSSARY", None, tconf, "glossary")
    translator = TranslatorSettings(
        name=name,
        url=str(pick("translator_url", "ITP_TRANSLATOR_URL", "", tconf, "url")),
        model=str(pick("translator_model", "ITP_TRANSLATOR_MODEL", "", tconf, "model")),
        api_key=api_key,
        glossary=Path(glossary) if glossary else None,
        latency_s=float(pick("translator_latency", "ITP_TRANSLATOR_LATENCY", 0.3, tconf,
                             "latency_s")),
        extra=extra,
    )
    font = pick("font", "ITP_FONT", None)
    weights = pick("lama_weights", "ITP_LAMA_WEIGHTS", None)
    cache_dir = pick("cache_dir", "ITP_CACHE_DIR", None)
    inpainter = str(pick("inpainter", "ITP_INPAINTER", "auto"))
    precision = str(pick("precision", "ITP_PRECISION", "auto"))
    if inpainter not in INPAINTERS:
        raise SystemExit(f"itp: inpainter must be one of {', '.join(INPAINTERS)}")
    if precision not in PRECISIONS:
        raise SystemExit(f"itp: precision must be one of {', '.join(PRECISIONS)}")
    return Settings(
        source=str(pick("source", "ITP_SOURCE", "auto")),
        target=str(pick("target", "ITP_TARGET", "en")),
        translator=translator,
        inpainter=cast(InpainterName, inpainter),
        font=Path(font) if font else None,
        device=str(pick("device", "ITP_DEVICE", "cpu")),
        precision=cast(Precision, precision),
        lama_weights=Path(weights) if weights else None,
        lama_random_weights=bool(a.get("lama_random_weights", False)),
        cache_dir=Path(cache_dir) if cache_dir else None,
        threads=int(pick("threads", "ITP_THREADS", 0)),
        ocr_engines=int(pick("ocr_engines", "ITP_OCR_ENGINES", 0)),
    )


def _credentials(name: str, env: Mapping[str, str],
                 tconf: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The API key and extra options for a backend: the environment (the registry's table of
    each provider's variables) over the config file."""
    from workers.translators.registry import apply_env

    options = cast(dict[str, Any], tconf.get("options", {}))
    base = TranslatorSettings(name=name, extra=tuple((str(k), str(v)) for k, v in
                                                      options.items()))
    found = apply_env(base, env)
    api_key = found.api_key or str(tconf.get("api_key") or "")
    return api_key, tuple(sorted(found.extra))
