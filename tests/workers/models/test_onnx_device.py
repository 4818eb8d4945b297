"""Where ONNX Runtime's models run when a CUDA device is asked for: on the card only where
the CUDA provider is installed; otherwise OCR is set up as on a CPU machine."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import onnxruntime as ort
import pytest

from workers.config import MachineSettings
from workers.models import onnx
from workers.pipeline.models import ocr_engine_count


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    # The answer is cached per process: neither take one from another test nor leave one.
    onnx.onnx_on_gpu.cache_clear()
    yield
    onnx.onnx_on_gpu.cache_clear()


def providers(monkeypatch: pytest.MonkeyPatch, names: list[str]) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: names)


def test_a_cpu_build_of_onnx_runtime_keeps_ocr_on_the_cpu(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    providers(monkeypatch, ["CPUExecutionProvider"])
    cpu = ocr_engine_count(MachineSettings(device="cpu"))
    with caplog.at_level(logging.WARNING):
        assert not onnx.onnx_on_gpu("cuda:0")
        assert not onnx.onnx_on_gpu("cuda:0")
        assert ocr_engine_count(MachineSettings(device="cuda:0")) == cpu
    assert cpu == max(1, min(4, os.cpu_count() or 1))
    said = [r for r in caplog.records if "no CUDA provider" in r.getMessage()]
    assert len(said) == 1


def test_with_the_cuda_provider_one_engine_feeds_the_card(
        monkeypatch: pytest.MonkeyPatch) -> None:
    providers(monkeypatch, ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert onnx.onnx_on_gpu("cuda:1")
    assert not onnx.onnx_on_gpu("cpu")
    assert ocr_engine_count(MachineSettings(device="cuda:1")) == 1
    assert ocr_engine_count(MachineSettings(device="cuda:1", ocr_engines=3)) == 3
