"""Tesseract's `kor` model as a line recognizer: the Korean reader that needs no download.

Tesseract runs in-process through tesserocr (one API handle per recognizer, every line of a
page read through it in turn; no process per line). Each line is cut out clean first
(`workers.ocr.linecrop`) and read at twice its size: Tesseract's LSTM models were trained on
scans at 300 dpi, and comic lettering at 20-30 px a line is small for them (on the Korean
samples, reading at 2x took the character error rate from about 0.1 to 0.02).

The language data is not in the wheel: it comes with the system's Tesseract
(`apt-get install tesseract-ocr-kor`, `brew install tesseract tesseract-lang`, the
UB-Mannheim installer on Windows with Korean selected), found through TESSDATA_PREFIX or the
usual install locations.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workers.errors import MissingExtra, ModelMissing
from workers.ocr.base import Recognition
from workers.ocr.linecrop import isolate_line
from workers.types import Image

# Where distributions put tessdata (Debian/Ubuntu by major version, Fedora, Homebrew on
# Apple silicon and Intel, MacPorts, the Windows installer).
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "/opt/local/share/tessdata",
    r"C:\Program Files\Tesseract-OCR\tessdata",
    r"C:\Program Files (x86)\Tesseract-OCR\tessdata",
)
INSTALL_HINT = ("install Tesseract's Korean data: `apt-get install tesseract-ocr-kor` "
                "(Debian/Ubuntu), `brew install tesseract tesseract-lang` (macOS), or the "
                "UB-Mannheim Windows installer with Korean selected; or set TESSDATA_PREFIX")
# Lines are read at this multiple of their size on the page; a line read with less
# confidence than RETRY_BELOW is read again at RETRY_SCALE and the surer reading kept (bold
# captions such as "잠깐?!!" go from 0.17 to 0.77).
READ_SCALE = 2.0
RETRY_BELOW = 0.6
RETRY_SCALE = 3.0
# ...but never made taller than this: a crop already tall (large title lettering, or a
# strip of art the detector took for text) gains nothing from the enlargement and costs
# Tesseract many times a line's time (a 173 px strip of collars and ribbons at the foot of
# a webtoon slice: 0.33 s at 2x and 3x, 0.035 s as it is, against 0.02 s for a line of
# lettering).
MAX_READ_HEIGHT = 160


def find_tessdata(lang: str = "kor", candidates: Sequence[str | Path] = ()) -> Path | None:
    """The first tessdata folder holding `<lang>.traineddata`: `candidates`, then
    TESSDATA_PREFIX (as the edge passes it; the folder itself or its parent), then the
    usual install locations."""
    prefix = os.environ.get("TESSDATA_PREFIX", "")
    folders = [Path(c) for c in candidates]
    if prefix:
        folders += [Path(prefix), Path(prefix) / "tessdata"]
    folders += [Path(d) for d in TESSDATA_DIRS]
    for folder in folders:
        if (folder / f"{lang}.traineddata").is_file():
            return folder
    return None


def read_scale(height: int, scale: float) -> float:
    """`scale`, lowered so that a crop `height` pixels tall is read at most
    MAX_READ_HEIGHT tall (and never shrunk)."""
    return max(1.0, min(scale, MAX_READ_HEIGHT / max(height, 1)))


class TesseractRecognizer:
    """Reads Korean lines with Tesseract. One line at a time through one handle; calls are
    serialised per instance (a pipeline holds one recognizer per OCR engine)."""

    name = "tesseract"
    langs = frozenset({"ko"})
    # Tesseract's confidence of a clean hangul line is 0.6-0.97; under this it is guessing.
    min_score = 0.3

    def __init__(self, lang: str = "kor", tessdata: Path | None = None,
                 scale: float = READ_SCALE) -> None:
        try:
            import tesserocr
        except ImportError as exc:
            how = ("`brew install tesseract` then `.venv/bin/pip install tesserocr`"
                   if sys.platform == "darwin" else "`.venv/bin/pip install tesserocr`")
            raise MissingExtra(f"Korean OCR with Tesseract needs the tesserocr package: "
                               f"{how} ({exc})") from exc
        folder = find_tessdata(lang, [tessdata] if tessdata is not None else [])
        if tessdata is not None and folder != tessdata:
            folder = None
        if folder is None:
            raise ModelMissing(f"Tesseract has no `{lang}` language data here: {INSTALL_HINT}")
        self.scale = scale
        self._lock = threading.Lock()
        # LSTM only (the legacy engine has no Korean data in most packages); one line per
        # image; a fixed resolution keeps Tesseract from guessing one and warning about it.
        self._api: tesserocr.PyTessBaseAPI = tesserocr.PyTessBaseAPI(
            path=str(folder), lang=lang, oem=tesserocr.OEM.LSTM_ONLY,
            psm=tesserocr.PSM.SINGLE_LINE,
            variables={"user_defined_dpi": "300", "debug_file": os.devnull})

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        out: list[Recognition] = []
        with self._lock:
            for crop in crops:
                out.append(self._read(crop))
        return out

    def batches(self, crops: Sequence[Image]) -> list[list[int]]:
        """Each line is read on its own; the largest first (they cost the most)."""
        return [[i] for i in sorted(range(len(crops)), key=lambda i: -crops[i].size)]

    def _read(self, crop: Image) -> Recognition:
        if crop.size == 0 or min(crop.shape[:2]) < 3:
            return Recognition("", 0.0)
        height = crop.shape[0]
        scale = read_scale(height, self.scale)
        first = self._read_at(crop, scale)
        retry = read_scale(height, RETRY_SCALE)
        if first.score >= RETRY_BELOW or retry <= scale:
            return first
        second = self._read_at(crop, retry)
        return second if second.score > first.score else first

    def _read_at(self, crop: Image, scale: float) -> Recognition:
        gray = np.ascontiguousarray(isolate_line(crop, scale))
        if int(gray.min()) == int(gray.max()):
            return Recognition("", 0.0)
        height, width = gray.shape
        self._api.SetImageBytes(gray.tobytes(), width, height, 1, width)
        text = " ".join(self._api.GetUTF8Text().split())
        score = max(0, self._api.MeanTextConf()) / 100.0
        return Recognition(text, score if text else 0.0)

    def close(self) -> None:
        with self._lock:
            self._api.End()
