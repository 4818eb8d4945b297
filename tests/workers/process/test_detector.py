"""The learned bubble detector's whole path: manifest entry -> download from a server on
127.0.0.1 -> sha256 -> ONNX Runtime -> detections -> the analyser's bubbles. The models are
written by the test with the published model's inputs (`images` (N, 3, 640, 640),
`orig_target_sizes` (N, 2)) and outputs (`labels`, `boxes`, `scores`): random weights, or a
model whose answer is fixed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.fileserver import FileServer, file_server
from tests.workers.process import pages
from workers.errors import ModelMissing
from workers.models.download import resolve_weights
from workers.models.manifest import ModelEntry, get_entry
from workers.process.detector import INPUT_SIDE, ComicDetector, Detection, dedupe
from workers.process.layout import analyse_page
from workers.process.learned import MODEL_NAME, DetectorAnalyser, load_detector_analyser
from workers.types import PageText

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

__all__ = ["file_server"]

QUERIES = 300


def _io() -> tuple[list[Any], list[Any]]:
    inputs = [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                            ["N", 3, INPUT_SIDE, INPUT_SIDE]),
              helper.make_tensor_value_info("orig_target_sizes", TensorProto.INT64, ["N", 2])]
    outputs = [helper.make_tensor_value_info("labels", TensorProto.INT64, ["N", QUERIES]),
               helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["N", QUERIES, 4]),
               helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", QUERIES])]
    return inputs, outputs


def random_model(path: Path, seed: int = 0) -> bytes:
    """Pooled image -> random linear layer -> per query 3 class logits and a box in [0, 1]
    scaled by the page size."""
    rng = np.random.default_rng(seed)
    weight = numpy_helper.from_array(rng.normal(0, 2, (3, QUERIES * 7)).astype(np.float32), "w")
    shape = numpy_helper.from_array(np.array([-1, QUERIES, 7], np.int64), "shape")
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["raw"]),
        helper.make_node("Reshape", ["raw", "shape"], ["per_query"]),
        helper.make_node("Split", ["per_query", "split"], ["logits", "coords"], axis=2),
        helper.make_node("ArgMax", ["logits"], ["labels"], axis=2, keepdims=0),
        helper.make_node("Sigmoid", ["logits"], ["probs"]),
        helper.make_node("ReduceMax", ["probs", "last"], ["scores"], keepdims=0),
        helper.make_node("Sigmoid", ["coords"], ["unit"]),
        helper.make_node("Cast", ["orig_target_sizes"], ["sizes"], to=TensorProto.FLOAT),
        helper.make_node("Concat", ["sizes", "sizes"], ["wh"], axis=1),
        helper.make_node("Unsqueeze", ["wh", "one"], ["wh3"]),
        helper.make_node("Mul", ["unit", "wh3"], ["boxes"]),
    ]
    inits = [weight, shape,
             numpy_helper.from_array(np.array([3, 4], np.int64), "split"),
             numpy_helper.from_array(np.array([2], np.int64), "last"),
             numpy_helper.from_array(np.array([1], np.int64), "one")]
    return _save(path, nodes, inits)


def fixed_model(path: Path, found: list[tuple[int, tuple[float, float, float, float], float]],
                ) -> bytes:
    """A model that answers `found` (label, box, score) whatever the page (padded to 300
    queries with score 0)."""
    labels = np.zeros((1, QUERIES), np.int64)
    boxes = np.zeros((1, QUERIES, 4), np.float32)
    scores = np.zeros((1, QUERIES), np.float32)
    for i, (label, box, score) in enumerate(found):
        labels[0, i], boxes[0, i], scores[0, i] = label, box, score
    nodes = [helper.make_node("Identity", [name + "_c"], [name])
             for name in ("labels", "boxes", "scores")]
    inits = [numpy_helper.from_array(labels, "labels_c"),
             numpy_helper.from_array(boxes, "boxes_c"),
             numpy_helper.from_array(scores, "scores_c")]
    return _save(path, nodes, inits)


def _save(path: Path, nodes: list[Any], inits: list[Any]) -> bytes:
    inputs, outputs = _io()
    graph = helper.make_graph(nodes, "detector", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path.read_bytes()


def served(server: FileServer, path: Path) -> ModelEntry:
    data = path.read_bytes()
    server.files["/detector.onnx"] = path
    return replace(get_entry(MODEL_NAME), url=server.url("/detector.onnx"),
                   sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def test_download_check_load_and_detect(file_server: FileServer, tmp_path: Path) -> None:
    source = tmp_path / "published.onnx"
    random_model(source)
    entry = served(file_server, source)
    cache = tmp_path / "cache"
    path = resolve_weights(MODEL_NAME, None, cache, True, entry=entry, progress=False)
    assert path == cache / "models" / entry.filename
    detector = ComicDetector(path)
    image = np.random.default_rng(1).integers(0, 256, (700, 500, 3), dtype=np.uint8)
    found = detector.detect(image)
    assert found, "random weights still answer some boxes over the score floor"
    for det in found:
        x0, y0, x1, y1 = det.box
        assert 0 <= x0 < x1 <= 500 and 0 <= y0 < y1 <= 700
        assert det.label in ("bubble", "text_bubble", "text_free")


def test_a_tampered_download_is_refused(file_server: FileServer, tmp_path: Path) -> None:
    source = tmp_path / "published.onnx"
    random_model(source)
    entry = replace(served(file_server, source), sha256="0" * 64)
    with pytest.raises(ModelMissing, match="sha256"):
        resolve_weights(MODEL_NAME, None, tmp_path, True, entry=entry, progress=False)


def test_offline_without_weights_says_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="comic_detector"):
        load_detector_analyser(tmp_path, allow_download=False)


def test_tall_strips_are_detected_in_slices(tmp_path: Path) -> None:
    path = tmp_path / "fixed.onnx"
    # Every slice answers the same box at its own top: one per slice, in page pixels.
    fixed_model(path, [(0, (10, 20, 110, 120), 0.9)])
    found = ComicDetector(path).detect(np.zeros((3000, 400, 3), np.uint8))
    tops = sorted(d.box[1] for d in found)
    assert len(tops) >= 4 and tops[0] == 20 and tops[-1] > 2000


def test_overlapping_slices_find_a_bubble_once() -> None:
    a = Detection("bubble", (10, 100, 110, 200), 0.8)
    b = Detection("bubble", (11, 102, 110, 200), 0.9)
    c = Detection("text_bubble", (11, 102, 110, 200), 0.9)
    assert dedupe([a, b, c]) == [b, c]


def open_bubble() -> pages.Page:
    """A bubble whose outline has a gap at the top: its white leaks into the page."""
    page = pages.blank(300, 420)
    pages.ellipse(page, (210, 150), (150, 90))
    page.image[50:70, 190:230] = 255
    pages.text(page, "OPEN TOP", (140, 140))
    pages.text(page, "BUBBLE", (160, 180))
    return page


def test_the_detected_bubble_bounds_a_leaking_region(tmp_path: Path) -> None:
    page = open_bubble()
    classical = analyse_page(page.image, PageText(page.lines, "en"), "en")
    assert all(b.bubble is None for b in classical.blocks)
    path = tmp_path / "fixed.onnx"
    fixed_model(path, [(0, (56, 56, 364, 244), 0.95), (1, (138, 118, 290, 186), 0.9)])
    analyser = DetectorAnalyser(ComicDetector(path))
    layout = analyser.analyse(page.image, PageText(page.lines, "en"), "en")
    [block] = layout.blocks
    assert block.kind == "bubble" and block.bubble is not None
    x0, y0, x1, y1 = block.bubble.box
    assert x0 >= 53 and y0 >= 53 and x1 <= 367 and y1 <= 247, "within the detected box"
    assert analyser.name == "rtdetr"
