"""Choosing the page analyser: the classical one wherever the detector's weights are not."""

from __future__ import annotations

import hashlib
import importlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.workers.process.test_detector import random_model
from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.models.manifest import get_entry
from workers.process.classical import ClassicalAnalyser
from workers.process.learned import MODEL_NAME, DetectorAnalyser
from workers.process.registry import load_analyser


def test_without_weights_auto_is_classical_and_downloads_nothing(tmp_path: Path) -> None:
    analyser = load_analyser(MachineSettings(analyser="auto", cache_dir=tmp_path))
    assert isinstance(analyser, ClassicalAnalyser)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_rtdetr_offline_says_how_to_get_it(tmp_path: Path) -> None:
    machine = MachineSettings(analyser="rtdetr", cache_dir=tmp_path, download=False)
    with pytest.raises(ModelMissing, match="comic_detector"):
        load_analyser(machine)
    with pytest.raises(ModelMissing, match="known: auto, classical, rtdetr"):
        load_analyser(MachineSettings(analyser="yolo"))


def test_auto_uses_the_detector_once_its_weights_are_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnx")
    source = tmp_path / "model.onnx"
    data = random_model(source)
    entry = replace(get_entry(MODEL_NAME), sha256=hashlib.sha256(data).hexdigest(),
                    size_bytes=len(data))
    # `workers.models` re-exports a function called `download`: reach the module itself.
    module = importlib.import_module("workers.models.download")
    monkeypatch.setattr(module, "get_entry", lambda name: entry)
    (tmp_path / "models").mkdir()
    shutil.copy(source, tmp_path / "models" / entry.filename)
    analyser = load_analyser(MachineSettings(analyser="auto", cache_dir=tmp_path))
    assert isinstance(analyser, DetectorAnalyser)
    assert load_analyser(MachineSettings(analyser="classical", cache_dir=tmp_path)).name \
        == "classical"
