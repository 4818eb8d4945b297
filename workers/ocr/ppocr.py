"""PaddleOCR's PP-OCRv6 small models on ONNX Runtime, through RapidOCR: a detector for every
script and a recognizer for Chinese, Japanese and Latin scripts.

The models ship inside the `rapidocr` wheel, so this works offline. The angle classifier is
off: comic text is never upside down, and it costs a model call per line (and it turns
upright hangul lines over).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rapidocr import EngineType, RapidOCR

from workers.errors import ModelMissing
from workers.ocr.base import Quad, Recognition
from workers.ocr.tiling import DET_LIMIT
from workers.types import Image

# The detector's smallest side after its resize (it works on multiples of 32).
DET_MIN_SIDE = 32
# The DB detector's thresholds: pixels of its text map over THRESH are text, and a box is
# kept when its mean over the box reaches BOX_THRESH.
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
# Lines per recognition call: RapidOCR sorts a call's lines by width and pads each batch
# to its widest line, so a line's reading depends on the batch it is in. On a CPU a batch
# buys nothing and the padding costs: each line alone read the six manga pages' lines in
# 6.7 s against 11.1 s in batches of 16, one thread, and read them no worse (six lines
# better: "広告" for "広", "☆" for "タ", a comma kept). A GPU wants the batches.
REC_BATCH_CPU = 1
REC_BATCH_GPU = 16
# The narrowest a batch is padded to, width over height (RapidOCR's 320x48 input).
REC_MIN_RATIO = 320 / 48


# The detector's model in the RapidOCR wheel (RapidOCR finds it itself for ONNX Runtime; for
# OpenVINO it is given the same file).
DET_MODEL_FILE = "PP-OCRv6_det_small.onnx"


def _openvino_detector(threads: int) -> dict[str, Any] | None:
    """RapidOCR's settings to run the detector on OpenVINO, or None where it cannot: the
    package is not installed or the wheel has no such model. On a CPU OpenVINO runs this
    model about four times faster than ONNX Runtime (0.17 against 0.63 s on a 960x672
    page, one thread, the same map within 3e-5): ONNX Runtime spends most of its time in
    two convolutions of the head at full detection resolution."""
    import importlib.util

    import rapidocr

    if importlib.util.find_spec("openvino") is None:
        return None
    model = Path(rapidocr.__file__).parent / "models" / DET_MODEL_FILE
    if not model.is_file():
        return None
    return {
        "Det.engine_type": EngineType.OPENVINO,
        "Det.model_path": str(model),
        "EngineConfig.openvino.inference_num_threads": threads if threads > 0 else -1,
        "EngineConfig.openvino.performance_hint": "LATENCY",
        # Each engine has its own thread; pinned, two of them could share a core.
        "EngineConfig.openvino.enable_cpu_pinning": False,
    }


def _detect_in_f32(engine: Any) -> None:
    """Compile RapidOCR's OpenVINO detector again in f32 where OpenVINO chose less.

    OpenVINO's CPU plugin runs a model in bf16 by default on a CPU that has it (AVX-512
    BF16, AMX). This detector's map then moves by up to 0.12 and boxes come and go: on such
    a CPU `itp eval --translator none` read CER 0.400 against 0.267, and the worst page's
    art lost was 0.0083 against 0.0030. RapidOCR has no setting for the precision, so its
    session gets a request compiled from the same model with the hint set (a few tenths of
    a second once per engine, only on those CPUs)."""
    import openvino as ov

    session = engine._load_det_model().session
    compiled = session.session.get_compiled_model()
    if str(compiled.get_property("INFERENCE_PRECISION_HINT")) == str(ov.Type.f32):
        return
    config = {key: compiled.get_property(key)
              for key in ("INFERENCE_NUM_THREADS", "PERFORMANCE_HINT", "ENABLE_CPU_PINNING")}
    config["INFERENCE_PRECISION_HINT"] = ov.Type.f32
    session.session = ov.Core().compile_model(session.model, "CPU", config) \
        .create_infer_request()


class Ppocr:
    """One RapidOCR instance (its detection and recognition sessions), seen as a detector and
    a recognizer. Calls are serialised: one page at a time per instance."""

    def __init__(self, threads: int = 0, use_cuda: bool = False,
                 det_limit: int = DET_LIMIT, det_thresh: float = DET_THRESH,
                 det_box_thresh: float = DET_BOX_THRESH, rec_batch: int = 0,
                 det_runtime: str = "auto") -> None:
        self.det_limit = det_limit
        self.rec_batch = rec_batch or (REC_BATCH_GPU if use_cuda else REC_BATCH_CPU)
        params: dict[str, Any] = {
            # RapidOCR warns on every tile without text; an empty tile is normal for us.
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.text_score": 0.0,
            "Global.max_side_len": 2400,
            "Det.limit_side_len": det_limit,
            "Det.limit_type": "max",
            "Det.thresh": det_thresh,
            "Det.box_thresh": det_box_thresh,
            "Rec.rec_batch_num": self.rec_batch,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads if threads > 0 else -1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": use_cuda,
        }
        if not use_cuda and det_runtime != "onnx":
            openvino = _openvino_detector(threads)
            if openvino is not None:
                params |= openvino
            elif det_runtime == "openvino":
                raise ModelMissing("--det-runtime openvino: the openvino package is not "
                                   "installed, or RapidOCR's detector model is missing")
        self.det_runtime = "openvino" if params.get("Det.engine_type") is EngineType.OPENVINO \
            else "onnx"
        # Typed loosely: RapidOCR's call returns a union of output kinds; ours is always full.
        self._engine: Any = RapidOCR(params=params)
        if self.det_runtime == "openvino":
            _detect_in_f32(self._engine)
        self._lock = threading.Lock()
        self.detector = PpocrDetector(self)
        self.recognizer = PpocrRecognizer(self)

    def detect(self, image: Image) -> list[Quad]:
        # The detector scales the long side to det_limit and needs 32 rows and columns after
        # that; a very wide, short banner would shrink to none. Pad it (with its own edge
        # colour) until it does not.
        bgr: np.ndarray = np.ascontiguousarray(image[:, :, ::-1])
        height, width = bgr.shape[:2]
        scale = min(1.0, self.det_limit / max(height, width))
        short = min(height, width)
        if short * scale < DET_MIN_SIDE:
            need = int(DET_MIN_SIDE / scale) + 1 - short
            bottom, right = (need, 0) if height < width else (0, need)
            bgr = cv2.copyMakeBorder(bgr, 0, bottom, 0, right, cv2.BORDER_REPLICATE)
        with self._lock:
            out = self._engine(bgr, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        quads: list[Quad] = []
        for box in boxes:
            (ax, ay), (bx, by), (cx, cy), (dx, dy) = np.asarray(box, float).tolist()[:4]
            quads.append(((ax, ay), (bx, by), (cx, cy), (dx, dy)))
        return quads

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        if not crops:
            return []
        bgr = [np.ascontiguousarray(c[:, :, ::-1]) for c in crops]
        with self._lock:
            rec = self._engine.recognize_txt(bgr)
        return [Recognition(str(t).strip(), float(s))
                for t, s in zip(rec.txts, rec.scores, strict=True)]


class PpocrDetector:
    name = "ppocr"

    def __init__(self, owner: Ppocr) -> None:
        self._owner = owner

    def detect(self, image: Image) -> list[Quad]:
        return self._owner.detect(image)


class PpocrRecognizer:
    name = "ppocr"
    langs = frozenset({"ja", "zh", "en", "fr", "de", "es", "it", "pt", "nl", "id", "vi"})
    # Under this score a detection is usually texture (screentone, hatching) read as glyphs.
    min_score = 0.5

    def __init__(self, owner: Ppocr) -> None:
        self._owner = owner

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        return self._owner.recognize(crops)

    def batches(self, crops: Sequence[Image]) -> list[list[int]]:
        """The crops' indices as one `recognize` call batches them (RapidOCR's order: by
        width over height): each batch read alone reads the same."""
        return rec_batches(crops, self._owner.rec_batch)


def rec_batches(crops: Sequence[Image], size: int) -> list[list[int]]:
    """RapidOCR's batches, the costliest first: a batch costs its lines times the width
    of its widest (every line is padded to it)."""
    ratios = np.array([c.shape[1] / float(c.shape[0]) for c in crops], dtype=np.float64)
    order = [int(i) for i in np.argsort(ratios)]
    batches = [order[i : i + size] for i in range(0, len(order), size)]

    def cost(batch: list[int]) -> float:
        return len(batch) * max(REC_MIN_RATIO, *(float(ratios[i]) for i in batch))

    return sorted(batches, key=cost, reverse=True)
