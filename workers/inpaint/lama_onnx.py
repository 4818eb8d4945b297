"""LaMa on ONNX Runtime: the same big-lama generator, exported once to ONNX
(`workers.inpaint.lama.onnx_export`), run without torch.

On a CPU this is faster than torch: on the manga workload's crops (64x80 to 320x88 at the
model's scale) one thread does the same crops in about 0.7 of torch's time, with the same
pixels (outputs within 1e-7). On a GPU torch runs LaMa (bf16/fp16 autocast); this module is
for the CPU.

The ONNX file is made from the weights the machine settings name (the checkpoint, or the
seeded random weights of `--lama-random-weights`) the first time they are used, and kept in
the model cache beside them: `lama-<checkpoint stem>-<size>-<mtime>.onnx`, or
`lama-random-s0-torch<version>.onnx`. Later starts load the file and never import torch.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import numpy as np

from workers.config import MachineSettings
from workers.errors import MissingExtra
from workers.inpaint.base import Inpainter
from workers.inpaint.batched import BatchedInpainter
from workers.models.download import models_dir, resolve_weights
from workers.models.onnx import open_session
from workers.types import Image, Mask

log = logging.getLogger(__name__)

# The manifest entry of the checkpoint (`workers.inpaint.lama.MODEL_NAME`; not imported
# from there, which would import torch).
MODEL_NAME = "lama"
RANDOM_SEED = 0
_WARMUP_SIDE = 64
_export_lock = threading.Lock()


class LamaOnnxInpainter(BatchedInpainter):
    """big-lama on ONNX Runtime's CPU provider behind the `Inpainter` protocol."""

    name = "lama"
    # The generator's constraints (`workers.inpaint.lama.model`): three stride-2 layers.
    multiple: ClassVar[int] = 8
    min_side: ClassVar[int] = 16

    def __init__(self, path: Path, *, threads: int = 0, warmup: bool = True) -> None:
        # The CPU only: on a GPU LaMa runs on torch (module doc).
        self._session = open_session(path, threads, "cpu", "LaMa ONNX model")
        self.path = path
        self._lock = threading.Lock()
        if warmup:
            # The first run pays for kernel selection and the arena's growth.
            image = np.zeros((_WARMUP_SIDE, _WARMUP_SIDE, 3), np.uint8)
            mask = np.zeros((_WARMUP_SIDE, _WARMUP_SIDE), np.uint8)
            mask[16:48, 16:48] = 255
            self.run_batch([image], [mask], False)

    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        image = np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255)
        mask = (np.stack(masks) > 127).astype(np.float32)[:, None]
        with self._lock:
            out = self._session.run(None, {"image": image, "mask": mask})[0]
        pixels = np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
        return [np.ascontiguousarray(p.transpose(1, 2, 0)) for p in pixels]


def onnx_file(machine: MachineSettings, allow_download: bool) -> tuple[Path, Path | None]:
    """Where the ONNX export of the machine's LaMa weights lives, and the checkpoint it is
    made from (None: the seeded random weights)."""
    folder = models_dir(machine.cache_dir)
    if machine.lama_random_weights:
        torch_version = version("torch").replace("+", "-")
        return folder / f"lama-random-s{RANDOM_SEED}-torch{torch_version}.onnx", None
    weights = resolve_weights(MODEL_NAME, machine.lama_weights, machine.cache_dir,
                              allow_download)
    stat = weights.stat()
    return folder / f"lama-{weights.stem}-{stat.st_size}-{stat.st_mtime_ns}.onnx", weights


def ensure_export(target: Path, weights: Path | None) -> Path:
    """Export the generator to `target` unless it is there (written whole or not at all)."""
    with _export_lock:
        if target.is_file():
            return target
        from workers.inpaint.lama.model import build_generator, load_generator
        from workers.inpaint.lama.onnx_export import export_onnx

        started = time.perf_counter()
        log.warning("exporting LaMa to ONNX once for these weights (a few minutes): %s", target)
        generator = (build_generator(seed=RANDOM_SEED) if weights is None
                     else load_generator(weights))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            export_onnx(generator, Path(tmp))
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        log.info("lama exported", extra={"path": str(target),
                                         "s": round(time.perf_counter() - started, 1)})
        return target


def load_lama_onnx(machine: MachineSettings, allow_download: bool) -> LamaOnnxInpainter:
    target, weights = onnx_file(machine, allow_download)
    return LamaOnnxInpainter(ensure_export(target, weights), threads=machine.threads)


def load_lama_fastest(machine: MachineSettings, allow_download: bool) -> Inpainter:
    """LaMa where it runs fastest: ONNX Runtime on a CPU, torch on a GPU (or on a CPU where
    the ONNX export cannot be made: no onnxscript)."""
    if not machine.device.startswith("cuda"):
        try:
            return load_lama_onnx(machine, allow_download)
        except MissingExtra as exc:
            log.warning("LaMa runs on torch: %s", exc)
    from workers.inpaint.lama import load_lama

    return load_lama(machine, allow_download)
