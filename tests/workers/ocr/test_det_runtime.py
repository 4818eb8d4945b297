"""PP-OCR's detector on OpenVINO or ONNX Runtime: the same boxes either way, the choice
taken from the machine's settings, and a clear error where the one asked for cannot run."""

from __future__ import annotations

import argparse
import importlib.util

import cv2
import numpy as np
import pytest

from backend.settings import add_pipeline_flags, build_settings
from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.ocr import ppocr
from workers.ocr.ppocr import Ppocr
from workers.ocr.registry import load_reader
from workers.types import Image


def _page() -> Image:
    page = np.full((420, 600, 3), 255, np.uint8)
    for row, words in enumerate(("ONE LINE OF TEXT", "AND ANOTHER ONE", "small print here")):
        cv2.putText(page, words, (30, 80 + 120 * row), cv2.FONT_HERSHEY_SIMPLEX,
                    1.4 - 0.3 * row, (0, 0, 0), 3, cv2.LINE_AA)
    return page


def test_openvino_and_onnx_runtime_find_the_same_boxes() -> None:
    onnx, openvino = Ppocr(threads=1, det_runtime="onnx"), Ppocr(threads=1,
                                                                    det_runtime="openvino")
    assert (onnx.det_runtime, openvino.det_runtime) == ("onnx", "openvino")
    page = _page()
    found = openvino.detect(page)
    assert len(found) == 3
    assert np.allclose(np.array(found), np.array(onnx.detect(page)), atol=1.0)


def test_openvino_works_out_the_detector_map_in_full_precision() -> None:
    # OpenVINO runs a model in bf16 by default on a CPU that has it; the detector's map then
    # moves by up to 0.12 and boxes come and go. On any CPU the map is ONNX Runtime's.
    page = cv2.resize(_page(), (608, 416)).astype(np.float32)
    tensor = ((page / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None]
    maps = [Ppocr(threads=1, det_runtime=runtime)._engine._load_det_model().session(tensor)
            for runtime in ("onnx", "openvino")]
    assert np.abs(maps[0] - maps[1]).max() < 1e-3


def test_auto_takes_openvino_where_it_is_installed() -> None:
    assert importlib.util.find_spec("openvino") is not None
    assert Ppocr(threads=1).det_runtime == "openvino"
    assert Ppocr(threads=1, use_cuda=False, det_runtime="onnx").det_runtime == "onnx"


def test_without_openvino_auto_falls_back_and_openvino_is_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "openvino" else real(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert Ppocr(threads=1).det_runtime == "onnx"
    with pytest.raises(ModelMissing, match="openvino"):
        Ppocr(threads=1, det_runtime="openvino")


def test_a_wheel_without_the_detector_model_is_read_with_onnx_runtime(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ppocr, "DET_MODEL_FILE", "no-such-model.onnx")
    assert Ppocr(threads=1).det_runtime == "onnx"


def test_the_machine_settings_choose_the_runtime() -> None:
    parser = argparse.ArgumentParser()
    add_pipeline_flags(parser)
    assert build_settings(parser.parse_args([]), {}).machine.det_runtime == "auto"
    chosen = build_settings(parser.parse_args(["--det-runtime", "onnx"]), {})
    assert chosen.machine.det_runtime == "onnx"
    from_env = build_settings(parser.parse_args([]), {"ITP_DET_RUNTIME": "openvino"})
    assert from_env.machine.det_runtime == "openvino"
    with pytest.raises(SystemExit, match="det-runtime"):
        build_settings(parser.parse_args([]), {"ITP_DET_RUNTIME": "tvm"})
    with pytest.raises(ModelMissing, match="tvm"):
        load_reader(MachineSettings(det_runtime="tvm"))
