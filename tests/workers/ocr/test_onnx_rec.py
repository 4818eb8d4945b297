"""The Korean ONNX recognizer's whole path: manifest entry -> download from a server on
127.0.0.1 -> sha256 -> ONNX Runtime session -> character list from the metadata -> CTC
decoding. The model is written by the test: the published model's input (N, 3, 48, W) and
output (N, W/8, classes) with random weights, or with weights that make its answer known."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.fileserver import FileServer, file_server
from tests.workers.ocr.hangul import line_image
from workers.errors import ModelMissing
from workers.models.manifest import ModelEntry, get_entry
from workers.ocr.korean import MODEL, KoreanRecognizer, load_onnx
from workers.ocr.onnx_rec import ctc_decode

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

__all__ = ["file_server"]

CHARS = ["가", "나", "다", "라", "마", "!", "?"]


def write_model(path: Path, *, chars: list[str] = CHARS, seed: int = 0,
                answer: int | None = None, classes: int | None = None,
                metadata: bool = True) -> bytes:
    """A recognizer of the published shapes: a 48x8 convolution with stride 8 gives one step
    per 8 columns, then softmax over the classes. `answer`: every step says that class."""
    n = classes if classes is not None else len(chars) + 2
    rng = np.random.default_rng(seed)
    weight = rng.normal(0, 0.05, (n, 3, 48, 8)).astype(np.float32)
    bias = rng.normal(0, 0.5, n).astype(np.float32)
    if answer is not None:
        weight[:] = 0
        bias[:] = 0
        bias[answer] = 10.0
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[48, 8], strides=[48, 8]),
         helper.make_node("Squeeze", ["c", "axis2"], ["s"]),
         helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),
         helper.make_node("Softmax", ["t"], ["softmax_0.tmp_0"], axis=2)],
        "rec",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 48, "W"])],
        [helper.make_tensor_value_info("softmax_0.tmp_0", TensorProto.FLOAT, ["N", "T", n])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b"),
         numpy_helper.from_array(np.array([2], np.int64), "axis2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    if metadata:
        helper.set_model_props(model, {"character": "\n".join(chars)})
    data: bytes = model.SerializeToString()
    path.write_bytes(data)
    return data


def served(server: FileServer, tmp_path: Path, **kwargs: object) -> ModelEntry:
    data = write_model(tmp_path / "served.onnx", **kwargs)  # type: ignore[arg-type]
    server.files["/rec.onnx"] = data
    real = get_entry(MODEL)
    return ModelEntry(name=MODEL, filename=real.filename, url=server.url("/rec.onnx"),
                      sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                      licence=real.licence, description=real.description)


def hangul_crop() -> np.ndarray:
    crop = line_image("가나다라")
    if crop is None:
        return np.full((40, 160, 3), 255, np.uint8)
    return crop


def test_manifest_entry_is_the_published_model() -> None:
    entry = get_entry(MODEL)
    assert entry.filename == "korean_PP-OCRv5_rec_mobile.onnx"
    assert entry.url.startswith("https://") and entry.url.endswith(entry.filename)
    assert entry.sha256 == "cd6e2ea50f6943ca7271eb8c56a877a5a90720b7047fe9c41a2e541a25773c9b"


def test_downloads_checks_loads_and_reads(file_server: FileServer, tmp_path: Path) -> None:
    entry = served(file_server, tmp_path, seed=1)
    cache = tmp_path / "cache"
    recognizer = load_onnx(cache, download=True, entry=entry)
    assert (cache / "models" / entry.filename).is_file()
    results = recognizer.recognize([hangul_crop(), hangul_crop()[:, :40]])
    assert len(results) == 2
    for result in results:
        assert set(result.text) <= set(CHARS) | {" "}
        assert 0.0 <= result.score <= 1.0
    # A second load finds the verified file in the cache: no second request.
    load_onnx(cache, download=True, entry=entry)
    assert file_server.requests == ["/rec.onnx"]


def test_decodes_the_class_the_model_answers(file_server: FileServer, tmp_path: Path) -> None:
    # Every step says class 3 (the third character, after the blank): CTC collapses the
    # repeats into one character, read with near certainty.
    entry = served(file_server, tmp_path, answer=3)
    recognizer = load_onnx(tmp_path / "cache", download=True, entry=entry)
    (result,) = recognizer.recognize([hangul_crop()])
    assert result.text == CHARS[2]
    assert result.score > 0.99


def test_wrong_checksum_loads_nothing(file_server: FileServer, tmp_path: Path) -> None:
    entry = served(file_server, tmp_path)
    bad = replace(entry, sha256="0" * 64)
    with pytest.raises(ModelMissing, match="sha256"):
        load_onnx(tmp_path / "cache", download=True, entry=bad)
    assert not (tmp_path / "cache" / "models" / entry.filename).exists()


def test_offline_without_the_file_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="itp models fetch korean_ppocrv5_rec"):
        load_onnx(tmp_path, download=False)


def test_a_model_without_its_character_list_is_refused(file_server: FileServer,
                                                      tmp_path: Path) -> None:
    entry = served(file_server, tmp_path, metadata=False)
    with pytest.raises(ModelMissing, match="character"):
        load_onnx(tmp_path / "cache", download=True, entry=entry)


def test_a_model_of_another_charset_is_refused(file_server: FileServer, tmp_path: Path) -> None:
    entry = served(file_server, tmp_path, classes=len(CHARS) + 5)
    recognizer = load_onnx(tmp_path / "cache", download=True, entry=entry)
    with pytest.raises(ModelMissing, match="shape"):
        recognizer.recognize([hangul_crop()])


def test_ctc_decoding_drops_blanks_and_repeats() -> None:
    classes = ["", "가", "나", " "]
    steps = [1, 1, 0, 2, 2, 0, 2, 3, 1]
    probs = np.full((len(steps), 4), 0.01, np.float32)
    for t, k in enumerate(steps):
        probs[t, k] = 0.9
    result = ctc_decode(probs, classes)
    assert result.text == "가나나 가"
    assert result.score == pytest.approx(0.9)
    assert ctc_decode(np.eye(4, dtype=np.float32)[[0, 0, 0]], classes).text == ""


def test_auto_uses_the_downloaded_model(file_server: FileServer, tmp_path: Path) -> None:
    entry = served(file_server, tmp_path, answer=1)
    korean = KoreanRecognizer("auto", cache_dir=tmp_path / "cache", download=True, entry=entry)
    assert file_server.requests == []  # nothing is fetched before the first Korean read
    (result,) = korean.recognize([hangul_crop()])
    assert result.text == CHARS[0] and korean.name == "ppocr-korean"
