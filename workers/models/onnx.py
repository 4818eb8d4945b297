"""ONNX Runtime sessions for the models loaded from files (the Korean recognizer, the comic
detector, LaMa's export), opened one way."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from workers.errors import ModelMissing

log = logging.getLogger(__name__)


@cache
def onnx_on_gpu(device: str) -> bool:
    """Whether ONNX Runtime models (OCR, the Korean recognizer, the detector) run on the
    card for `device`: a CUDA device and ONNX Runtime's CUDA provider installed. Where torch
    has CUDA but `onnxruntime-gpu` is missing they run on the CPU, and are then set up as on
    a CPU machine (one engine per core), not as one engine waiting for a card it cannot
    use; said once."""
    if not device.startswith("cuda"):
        return False
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        return True
    log.warning("device %s: ONNX Runtime has no CUDA provider here, so OCR runs on the CPU "
                "(LaMa still runs on the card); pip install onnxruntime-gpu (README, \"GPU\")",
                device)
    return False


def open_session(path: Path, threads: int = 0, device: str = "cpu",
                 what: str = "ONNX model") -> Any:
    """A session on `path` with `threads` intra-op threads (0: ONNX Runtime's default) and
    one inter-op thread; on CUDA (`cuda:N`) where the CUDA provider is installed, with the
    CPU as the fallback. A file that does not load is `ModelMissing`."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(threads, 0)
    options.inter_op_num_threads = 1
    providers: list[Any] = ["CPUExecutionProvider"]
    if onnx_on_gpu(device):
        providers.insert(0, ("CUDAExecutionProvider",
                             {"device_id": int(device.partition(":")[2] or 0)}))
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except (RuntimeError, ValueError) as exc:
        raise ModelMissing(f"{path} is not a loadable {what}: {exc}") from exc
