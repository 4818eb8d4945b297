"""Inpainters by name, each imported only when chosen (torch is loaded only for LaMa).

- `lama`: big-lama fine-tuned on manga; its weights are downloaded on first use (progress
  bar on a terminal, sha256 checked) unless downloads are off. It runs on ONNX Runtime on a
  CPU (exported once per set of weights; faster there) and on torch on a GPU, unless the
  machine's `lama_runtime` names one.
- `patchmatch`: PyPatchMatch, no weights; copies texture from around the hole.
- `opencv`: OpenCV's Telea, no weights and no native extra; the last resort.
- `auto` (default): LaMa, downloading it on first use; where it cannot be had (offline, no
  disk, downloads off and not cached) PatchMatch, else OpenCV, with one warning saying why.
"""

from __future__ import annotations

import logging
import threading

from workers.config import MachineSettings
from workers.errors import MissingExtra, ModelMissing
from workers.inpaint.base import Inpainter

log = logging.getLogger(__name__)

NAMES = ("auto", "lama", "patchmatch", "opencv")
LAMA_RUNTIMES = ("auto", "onnx", "torch")

_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str, *args: object) -> None:
    """One warning per process and cause: the server, each worker and each eval run load
    the inpainter once, tests and benchmarks many times."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args)


def load_inpainter(machine: MachineSettings) -> Inpainter:
    name = machine.inpainter
    if name not in NAMES:
        raise ModelMissing(f"unknown inpainter {name!r} (known: {', '.join(NAMES)})")
    if name == "opencv":
        return _opencv()
    if name == "patchmatch":
        return _patchmatch()
    if name == "lama" or machine.lama_random_weights:
        return _lama(machine)
    try:
        return _lama(machine)
    except ModelMissing as exc:
        fallback = _no_weights()
        _warn_once("lama", "LaMa is not available (%s); textured backgrounds use %s "
                   "inpainting instead", exc, fallback.name)
        return fallback


def _lama(machine: MachineSettings) -> Inpainter:
    runtime = machine.lama_runtime
    if runtime not in LAMA_RUNTIMES:
        raise ModelMissing(f"unknown LaMa runtime {runtime!r} (known: "
                           f"{', '.join(LAMA_RUNTIMES)})")
    if runtime == "torch":
        from workers.inpaint.lama import load_lama

        return load_lama(machine, allow_download=machine.download)
    from workers.inpaint import lama_onnx

    if runtime == "onnx":
        return lama_onnx.load_lama_onnx(machine, allow_download=machine.download)
    return lama_onnx.load_lama_fastest(machine, allow_download=machine.download)


def _no_weights() -> Inpainter:
    """PatchMatch where its native library loads, else OpenCV."""
    try:
        return _patchmatch()
    except MissingExtra as exc:
        _warn_once("patchmatch", "%s; using OpenCV inpainting (smeary on screentone)", exc)
        return _opencv()


def _patchmatch() -> Inpainter:
    try:
        from workers.inpaint.patchmatch import PatchMatchInpainter
    except ImportError as exc:
        raise MissingExtra(f"PyPatchMatch is not installed ({exc}); `pip install "
                           "pypatchmatch`, or choose --inpainter opencv") from exc
    return PatchMatchInpainter()


def _opencv() -> Inpainter:
    from workers.inpaint.opencv import OpenCVInpainter

    return OpenCVInpainter()
