"""The configuration: what travels with a job, and what stays on the machine.

Built once at the edge (CLI flags > environment > `~/.config/itp/config.toml` > defaults, see
`backend.settings`) and passed down; no stage reads the environment itself.

- `JobSettings` travel with every image (the Redis ledger holds them): languages, the
  translator to use and the glossary. Never a credential: a job record anyone with access to
  Redis can write must not be able to send a worker's API key to a URL of its choosing.
- `MachineSettings` stay on the machine that runs a stage: device, model files and choices,
  threads, caches, the input limits, and this machine's own translator credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "fp32", "fp16", "bf16"]


@dataclass(frozen=True, slots=True)
class TranslatorSettings:
    """Which translation backend, and how to reach it. `api_key` is set only on a machine's
    own copy (`MachineSettings.credentials`), never in a job."""

    name: str = ""
    url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 0.5
    # The glossary file's text (read at the edge, so it travels with the job to any worker).
    glossary: str = ""
    # `deterministic` (benchmarks, tests): fixed latency per request, no network.
    latency_s: float = 0.3
    # Free-form per-backend options (e.g. papago's client id, deepl formality).
    extra: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        for k, v in self.extra:
            if k == key:
                return v
        return default


# Options that are secrets: they stay with the credentials, never in a job.
SECRET_OPTIONS = frozenset({"client_secret"})


def public(translator: TranslatorSettings) -> TranslatorSettings:
    """The translator settings without their secrets: what a job may carry."""
    extra = tuple((k, v) for k, v in translator.extra if k not in SECRET_OPTIONS)
    return replace(translator, api_key="", extra=extra)


def same_service(a: TranslatorSettings, b: TranslatorSettings) -> bool:
    """Whether `a` and `b` name the same service: the only case where a machine lends its
    credentials to a job."""
    return a.name.strip().lower() == b.name.strip().lower() and \
        a.url.rstrip("/") == b.url.rstrip("/")


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What one job asks for; travels with each of its images."""

    source: str = "auto"
    target: str = "en"
    translator: TranslatorSettings = field(default_factory=TranslatorSettings)

    def with_(self, **changes: object) -> JobSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one input may cost us."""

    max_bytes: int = 50 * 1024 * 1024
    # Well under Pillow's bomb limit (~179 Mpx): a 40,000 px webtoon strip at 1,000 px width fits.
    max_pixels: int = 60_000_000
    max_side: int = 40_000


@dataclass(frozen=True, slots=True)
class MachineSettings:
    """What this machine runs the stages with. Immutable: derive with `with_()`."""

    # Registry names (`workers.inpaint.registry`, `workers.process.registry`,
    # `workers.ocr.registry`); "auto" picks the best one whose files are here.
    inpainter: str = "auto"
    analyser: str = "auto"
    korean: str = "auto"
    font: Path | None = None
    device: str = "cpu"
    precision: Precision = "auto"
    lama_weights: Path | None = None
    lama_random_weights: bool = False
    # Where LaMa runs (`workers.inpaint.registry.LAMA_RUNTIMES`): "auto" = ONNX Runtime on a
    # CPU (faster there), torch on a GPU.
    lama_runtime: str = "auto"
    # Where PP-OCR's detector runs on a CPU (`workers.ocr.registry.DET_RUNTIMES`): "auto" =
    # OpenVINO where it is installed, else ONNX Runtime (always on a GPU).
    det_runtime: str = "auto"
    cache_dir: Path | None = None
    # Models missing from the cache are downloaded on first use unless this is False.
    download: bool = True
    limits: Limits = field(default_factory=Limits)
    # CPU threads given to ONNX Runtime / torch / OpenCV; 0 = decide from the core count.
    threads: int = 0
    # OCR engines reading pages side by side; 0 = one per core on CPU, one on a GPU.
    ocr_engines: int = 0
    # This machine's translator configuration, credentials included: lent to a job only when
    # the job names the same service (`same_service`).
    credentials: TranslatorSettings = field(default_factory=TranslatorSettings)

    def with_(self, **changes: object) -> MachineSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def translator_for(self, job: JobSettings) -> TranslatorSettings:
        """The job's translator with this machine's credentials when it names this machine's
        service, and without any otherwise."""
        mine = self.credentials
        if not same_service(job.translator, mine):
            return public(job.translator)
        extra = dict(job.translator.extra) | {k: v for k, v in mine.extra
                                              if k in SECRET_OPTIONS}
        return replace(job.translator, api_key=mine.api_key, extra=tuple(sorted(extra.items())))


@dataclass(frozen=True, slots=True)
class Settings:
    """Both halves, as the edge builds them: the default job and this machine."""

    job: JobSettings = field(default_factory=JobSettings)
    machine: MachineSettings = field(default_factory=MachineSettings)

    @classmethod
    def build(cls, **fields: object) -> Settings:
        """Both halves from one set of field names (each name belongs to one half); the
        translator goes to the job without its secrets and to the machine whole."""
        return cls().with_(**fields)

    def with_(self, **changes: object) -> Settings:
        job_names = set(JobSettings.__dataclass_fields__)
        machine_names = set(MachineSettings.__dataclass_fields__)
        unknown = set(changes) - job_names - machine_names
        if unknown:
            raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
        job = {k: v for k, v in changes.items() if k in job_names}
        machine = {k: v for k, v in changes.items() if k in machine_names}
        translator = job.get("translator")
        if isinstance(translator, TranslatorSettings):
            job["translator"] = public(translator)
            machine.setdefault("credentials", translator)
        return Settings(replace(self.job, **job),  # type: ignore[arg-type]
                        replace(self.machine, **machine))  # type: ignore[arg-type]
