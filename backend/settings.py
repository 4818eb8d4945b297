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

from workers.config import (
    JobSettings,
    Limits,
    MachineSettings,
    Precision,
    Settings,
    TranslatorSettings,
    public,
)
from workers.inpaint.registry import LAMA_RUNTIMES
from workers.inpaint.registry import NAMES as INPAINTERS
from workers.ocr.registry import DET_RUNTIMES
from workers.ocr.registry import KOREAN as KOREAN_ENGINES
from workers.process.registry import NAMES as ANALYSERS

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
    g.add_argument("--inpainter", choices=INPAINTERS, help="auto (default): LaMa when its "
                   "weights are present (or can be downloaded), else the best one installed")
    g.add_argument("--analyser", choices=ANALYSERS, help="page analysis: auto (default), "
                   "or one by name")
    g.add_argument("--korean-ocr", choices=KOREAN_ENGINES, help="Korean recognizer: auto "
                   "(default: the ONNX model when it can be had, else Tesseract kor)")
    g.add_argument("--offline", action="store_true", default=None,
                   help="never download models (use what is in the cache)")
    g.add_argument("--lama-weights", type=Path, help="a local LaMa checkpoint "
                   "(env ITP_LAMA_WEIGHTS)")
    g.add_argument("--precision", choices=PRECISIONS, help="LaMa precision on CUDA")
    g.add_argument("--lama-runtime", choices=LAMA_RUNTIMES, help="where LaMa runs: auto "
                   "(default: ONNX Runtime on a CPU, torch on a GPU), onnx or torch")
    g.add_argument("--det-runtime", choices=DET_RUNTIMES, help="where PP-OCR's text "
                   "detector runs on a CPU: auto (default: OpenVINO where installed, else ONNX "
                   "Runtime), openvino or onnx")
    g.add_argument("--font", type=Path, help="font file for the translation")
    g.add_argument("--device", help="cpu (default) or cuda:N")
    g.add_argument("--threads", type=int, help="CPU threads of a LaMa or OpenCV call (default: "
                   "half the cores, two on a machine of two or three)")
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
        glossary=read_glossary(Path(glossary)) if glossary else "",
        latency_s=float(pick("translator_latency", "ITP_TRANSLATOR_LATENCY", 0.3, tconf,
                             "latency_s")),
        extra=extra,
    )
    font = pick("font", "ITP_FONT", None)
    weights = pick("lama_weights", "ITP_LAMA_WEIGHTS", None)
    cache_dir = pick("cache_dir", "ITP_CACHE_DIR", None)
    machine = MachineSettings(
        inpainter=_choice("inpainter", str(pick("inpainter", "ITP_INPAINTER", "auto")),
                          INPAINTERS),
        analyser=_choice("analyser", str(pick("analyser", "ITP_ANALYSER", "auto")), ANALYSERS),
        korean=_choice("korean-ocr", str(pick("korean_ocr", "ITP_KOREAN_OCR", "auto")),
                       KOREAN_ENGINES),
        font=Path(font) if font else None,
        device=str(pick("device", "ITP_DEVICE", "cpu")),
        precision=cast(Precision, _choice("precision", str(pick("precision", "ITP_PRECISION",
                                                                  "auto")), PRECISIONS)),
        lama_weights=Path(weights) if weights else None,
        lama_random_weights=bool(a.get("lama_random_weights", False)),
        lama_runtime=_choice("lama-runtime", str(pick("lama_runtime", "ITP_LAMA_RUNTIME",
                                                      "auto")), LAMA_RUNTIMES),
        det_runtime=_choice("det-runtime", str(pick("det_runtime", "ITP_DET_RUNTIME",
                                                    "auto")), DET_RUNTIMES),
        cache_dir=Path(cache_dir) if cache_dir else None,
        download=not _flag(pick("offline", "ITP_OFFLINE", False)),
        limits=Limits(),
        threads=int(pick("threads", "ITP_THREADS", 0)),
        ocr_engines=int(pick("ocr_engines", "ITP_OCR_ENGINES", 0)),
        credentials=translator,
    )
    job = JobSettings(source=str(pick("source", "ITP_SOURCE", "auto")),
                      target=str(pick("target", "ITP_TARGET", "en")),
                      translator=public(translator))
    return Settings(job=job, machine=machine)


def _choice(flag: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SystemExit(f"itp: --{flag} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def read_glossary(path: Path) -> str:
    """The glossary file's text, checked here at the edge (its errors name the file and
    line); the text travels with each job, so a worker on another machine needs no copy."""
    from workers.errors import TranslatorNotConfigured
    from workers.translators import glossary as glossary_file

    try:
        text = glossary_file.read(path)
        glossary_file.parse(text, origin=str(path))
    except TranslatorNotConfigured as exc:
        raise SystemExit(f"itp: {exc.message}") from None
    return text


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
