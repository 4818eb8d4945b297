"""Choosing the inpainter by name; `auto` falls back, with one warning, when LaMa cannot be
had."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from workers.config import MachineSettings
from workers.errors import MissingExtra, ModelMissing
from workers.inpaint import lama, lama_onnx, registry
from workers.inpaint.opencv import OpenCVInpainter
from workers.inpaint.patchmatch import PatchMatchInpainter


@pytest.fixture(autouse=True)
def fresh_warnings() -> None:
    registry._warned.clear()


def test_names() -> None:
    assert isinstance(registry.load_inpainter(MachineSettings(inpainter="opencv")),
                      OpenCVInpainter)
    assert isinstance(registry.load_inpainter(MachineSettings(inpainter="patchmatch")),
                      PatchMatchInpainter)
    with pytest.raises(ModelMissing, match="known: auto, lama, patchmatch, opencv"):
        registry.load_inpainter(MachineSettings(inpainter="telea"))


def test_auto_downloads_lama_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    sentinel = OpenCVInpainter()

    def fake(machine: MachineSettings, allow_download: bool) -> OpenCVInpainter:
        asked.append(allow_download)
        return sentinel

    monkeypatch.setattr(lama_onnx, "load_lama_fastest", fake)
    assert registry.load_inpainter(MachineSettings(inpainter="auto")) is sentinel
    assert registry.load_inpainter(MachineSettings(inpainter="auto", download=False)) \
        is sentinel
    assert asked == [True, False]


@pytest.mark.parametrize(("runtime", "loader"), [
    ("auto", (lama_onnx, "load_lama_fastest")), ("onnx", (lama_onnx, "load_lama_onnx")),
    ("torch", (lama, "load_lama"))])
def test_lama_runs_where_the_machine_says(monkeypatch: pytest.MonkeyPatch, runtime: str,
                                          loader: tuple[object, str]) -> None:
    called: list[str] = []
    for module, name in ((lama_onnx, "load_lama_fastest"), (lama_onnx, "load_lama_onnx"),
                         (lama, "load_lama")):
        def fake(machine: MachineSettings, allow_download: bool,
                 name: str = name) -> OpenCVInpainter:
            called.append(name)
            return OpenCVInpainter()

        monkeypatch.setattr(module, name, fake)
    registry.load_inpainter(MachineSettings(inpainter="lama", lama_runtime=runtime))
    assert called == [loader[1]]
    with pytest.raises(ModelMissing, match="known: auto, onnx, torch"):
        registry.load_inpainter(MachineSettings(inpainter="lama", lama_runtime="tvm"))


def test_auto_offline_falls_back_to_patchmatch_with_one_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    machine = MachineSettings(inpainter="auto", download=False, cache_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="workers.inpaint.registry"):
        first = registry.load_inpainter(machine)
        second = registry.load_inpainter(machine)
    assert isinstance(first, PatchMatchInpainter) and isinstance(second, PatchMatchInpainter)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "LaMa is not available" in warnings[0] and "patchmatch" in warnings[0]
    assert "itp models fetch lama" in warnings[0], "the warning says how to get it"


def test_lama_asked_by_name_fails_loudly(tmp_path: Path) -> None:
    machine = MachineSettings(inpainter="lama", download=False, cache_dir=tmp_path)
    with pytest.raises(ModelMissing):
        registry.load_inpainter(machine)


def test_without_patchmatch_auto_ends_at_opencv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> PatchMatchInpainter:
        raise MissingExtra("PyPatchMatch's native library did not load")

    monkeypatch.setattr(registry, "_patchmatch", missing)
    machine = MachineSettings(inpainter="auto", download=False, cache_dir=tmp_path)
    assert isinstance(registry.load_inpainter(machine), OpenCVInpainter)
