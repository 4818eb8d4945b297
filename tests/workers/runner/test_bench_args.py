"""`itp bench --redis` starts one `itp worker` per stage: each must run with the machine
settings the bench was given, or the distributed figures measure another configuration."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from backend.cli import parser
from backend.settings import build_settings
from workers.config import Limits, MachineSettings, TranslatorSettings
from workers.runner.bench import worker_args


def test_the_workers_command_line_carries_every_machine_setting(tmp_path: Path) -> None:
    machine = MachineSettings(
        inpainter="lama", analyser="classical", korean="tesseract", font=tmp_path / "F.ttf",
        device="cuda:1", precision="fp16", lama_weights=tmp_path / "big-lama.pt",
        lama_random_weights=True, lama_runtime="torch", det_runtime="onnx",
        cache_dir=tmp_path, download=False, threads=3, ocr_engines=2)
    argv = worker_args("ocr", machine, "redis://127.0.0.1:1/0", "ns")
    cli = argv[argv.index("backend.cli") + 1:]
    parsed = build_settings(parser(cli).parse_args(cli), env={}).machine
    # The limits and the translator's credentials are not the bench's to give.
    assert replace(parsed, limits=Limits(), credentials=TranslatorSettings()) == machine
