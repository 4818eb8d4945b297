"""ONNX Runtime sessions for the models loaded from files (the Korean recognizer, the comic
detector, LaMa's export), opened one way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workers.errors import ModelMissing


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
    if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, ("CUDAExecutionProvider",
                             {"device_id": int(device.partition(":")[2] or 0)}))
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except (RuntimeError, ValueError) as exc:
        raise ModelMissing(f"{path} is not a loadable {what}: {exc}") from exc
