"""The one configuration object.

Built once at the edge (CLI flags > environment > `~/.config/itp/config.toml` > defaults, see
`backend.settings`) and passed down; no stage reads the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

InpainterName = Literal["auto", "lama", "opencv"]
Precision = Literal["auto", "fp32", "fp16", "bf16"]


@dataclass(frozen=True, slots=True)
class TranslatorSettings:
    """Which translation backend, and how to reach it."""

    name: str = ""
    url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 0.5
    glossary: Path | None = None
    # `deterministic` (benchmarks, tests): fixed latency per request, no network.
    latency_s: float = 0.3
    # Free-form per-backend options (e.g. papago's client id, deepl formality).
    extra: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        for k, v in self.extra:
            if k == key:
                return v
        return default


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one input may cost us."""

    max_bytes: int = 50 * 1024 * 1024
    # Well under Pillow's bomb limit (~179 Mpx): a 40,000 px webtoon strip at 1,000 px width fits.
    max_pixels: int = 60_000_000
    max_side: int = 40_000


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes what the pipeline does. Immutable: derive with `with_()`."""

    source: str = "auto"
    target: str = "en"
    translator: TranslatorSettings = field(default_factory=TranslatorSettings)
    inpainter: InpainterName = "auto"
    font: Path | None = None
    device: str = "cpu"
    precision: Precision = "auto"
    lama_weights: Path | None = None
    lama_random_weights: bool = False
    cache_dir: Path | None = None
    limits: Limits = field(default_factory=Limits)
    # CPU threads given to ONNX Runtime / torch / OpenCV; 0 = decide from the core count.
    threads: int = 0
    # OCR engines reading pages side by side; 0 = one per core on CPU, one on a GPU.
    ocr_engines: int = 0

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
