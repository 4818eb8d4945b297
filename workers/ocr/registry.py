"""The OCR backends by name, each imported only when chosen.

A pipeline holds one `PageReader` per OCR engine (one per core on a CPU); each reader has
its own detector and recognizers, so readers never wait on each other.
"""

from __future__ import annotations

from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.ocr.korean import NAMES, KoreanRecognizer
from workers.ocr.reader import PageReader

# `--korean-ocr` choices (`workers.ocr.korean`).
KOREAN = NAMES
# `--det-runtime` choices (`workers.ocr.ppocr`).
DET_RUNTIMES = ("auto", "openvino", "onnx")


def load_reader(machine: MachineSettings, threads: int = 1) -> PageReader:
    """A reader with the detector and every recognizer this machine can run."""
    from workers.models.onnx import onnx_on_gpu
    from workers.ocr.ppocr import Ppocr

    cuda = onnx_on_gpu(machine.device)
    if machine.det_runtime not in DET_RUNTIMES:
        raise ModelMissing(f"unknown detector runtime {machine.det_runtime!r} (one of "
                           f"{', '.join(DET_RUNTIMES)})")
    ppocr = Ppocr(threads=threads, use_cuda=cuda, det_runtime=machine.det_runtime)
    # Loaded on the first page that may be Korean, so other pages never wait for it.
    korean = KoreanRecognizer(machine.korean, cache_dir=machine.cache_dir,
                              download=machine.download, threads=threads,
                              device=machine.device)
    return PageReader(ppocr.detector, [ppocr.recognizer, korean])
