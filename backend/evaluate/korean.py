"""The Korean figures of `../shared/EVAL.md`: CER on hangul, and hangul removed.

- **CER**: only hangul syllables count. The page's source texts are joined in reading order
  (the sidecar's block order) into one string of hangul; each transcribed block is matched
  to the stretch of that string it is closest to (edit distance with free ends), and the
  distances are summed and divided by the transcription's syllables. Grouping (which lines
  make a block, where a block starts) then costs nothing; reading does.
- **Removed**: an independent reader, Tesseract `kor` on each transcribed box at twice the
  size (one block of text), reads the input and the output. The transcription's syllables
  it finds in the input are the ones it can judge; removed is the share of those it no longer
  finds in the output. Tesseract is not the pipeline's reader even when the pipeline runs
  Tesseract (it reads whole boxes here, not detected lines), and a block the pipeline never
  found stays readable and counts against it.
"""

from __future__ import annotations

import difflib
import importlib.util
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from backend.evaluate.dataset import GroundTruth, Sample
from workers.config import Limits
from workers.errors import ItpError
from workers.imageio import decode_image
from workers.ocr.script import is_hangul
from workers.ocr.tesseract import find_tessdata
from workers.types import Box, Image, PageResult, u8

READ_SCALE = 2.0
# The transcribed box is grown by this much before it is read (the box hugs the ink).
READ_PAD = 6
# Darkness under which a mark is too faint to read (EVAL.md's spill threshold).
FAINT = 48


def hangul(text: str) -> str:
    return "".join(ch for ch in text if is_hangul(ch))


def best_stretch(needle: str, hay: str) -> int:
    """Edit distance from `needle` to the closest stretch of `hay` (free start and end)."""
    if not needle:
        return 0
    previous = [0] * (len(hay) + 1)
    for i, ch in enumerate(needle, 1):
        current = [i] + [0] * len(hay)
        for j, other in enumerate(hay, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (ch != other))
        previous = current
    return min(previous)


def found_in(needle: str, read: str) -> int:
    """How many of `needle`'s syllables `read` has, in order."""
    matcher = difflib.SequenceMatcher(None, needle, read, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def strokes(gray: Image) -> Image:
    """The page with faint marks whitened: a pixel less than FAINT levels darker than the
    brightest pixel within 4 px becomes white (a dark ground is inverted first). Tesseract
    binarises each image on its own, and on an erased box it would turn the remains of JPEG
    noise, which no reader sees, into letters."""
    if float(np.median(gray)) < 100:
        gray = u8(255 - gray)
    brightest = cv2.dilate(gray, np.ones((9, 9), np.uint8))
    return u8(np.where(brightest.astype(np.int16) - gray < FAINT, 255, gray))


@dataclass(frozen=True, slots=True)
class KoreanRegion:
    text: str
    syllables: int
    edits: int
    # Syllables Tesseract finds in the input's box, and still finds in the output's.
    readable: int
    left: int


@dataclass(frozen=True, slots=True)
class KoreanScore:
    syllables: int
    edits: int
    cer: float | None
    readable: int
    left: int
    # 1.0: none of the hangul Tesseract could read in the input is read in the output.
    removed: float | None
    regions: tuple[KoreanRegion, ...]


class BoxReader:
    """Tesseract kor on whole boxes (one block of text each), at twice the size. One handle
    per thread: the evaluation reads pages side by side."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.folder = find_tessdata("kor")

    @property
    def available(self) -> bool:
        """Tesseract and its Korean data are here (else removed is not measured)."""
        return self.folder is not None and importlib.util.find_spec("tesserocr") is not None

    def _api(self) -> Any:
        api = getattr(self._local, "api", None)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(path=str(self.folder), lang="kor",
                                          psm=tesserocr.PSM.SINGLE_BLOCK,
                                          oem=tesserocr.OEM.LSTM_ONLY,
                                          variables={"user_defined_dpi": "300"})
            self._local.api = api
        return api

    def read(self, image: Image, box: Box) -> str:
        height, width = image.shape[:2]
        x0, y0, x1, y1 = box
        x0, y0 = max(0, x0 - READ_PAD), max(0, y0 - READ_PAD)
        x1, y1 = min(width, x1 + READ_PAD), min(height, y1 + READ_PAD)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return ""
        gray = strokes(u8(cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]),
                                       cv2.COLOR_RGB2GRAY)))
        gray = np.ascontiguousarray(u8(cv2.resize(gray, None, fx=READ_SCALE, fy=READ_SCALE,
                                                  interpolation=cv2.INTER_CUBIC)))
        api = self._api()
        api.SetImageBytes(gray.tobytes(), gray.shape[1], gray.shape[0], 1, gray.shape[1])
        return str(api.GetUTF8Text())


_READER = BoxReader()


def korean_score(truth: GroundTruth, source_texts: Iterable[str], before: Image | None,
                 after: Image | None, reader: BoxReader | None = None) -> KoreanScore | None:
    """None when the truth has no hangul. `source_texts`: the sidecar's blocks' source text in
    reading order; `before`/`after`: the input and output pages (without them, or without
    boxes, nothing is read and removed is None)."""
    page = hangul("".join(source_texts))
    reader = reader if reader is not None else _READER
    regions: list[KoreanRegion] = []
    for region in truth.regions:
        want = hangul(region.text)
        if not want:
            continue
        readable = left = 0
        if region.bbox is not None and before is not None and after is not None \
                and reader.available:
            readable = found_in(want, hangul(reader.read(before, region.bbox)))
            left = min(readable, found_in(want, hangul(reader.read(after, region.bbox))))
        regions.append(KoreanRegion(region.text, len(want), best_stretch(want, page),
                                    readable, left))
    if not regions:
        return None
    return _score(regions)


def _score(regions: Sequence[KoreanRegion]) -> KoreanScore:
    syllables = sum(r.syllables for r in regions)
    edits = sum(r.edits for r in regions)
    readable = sum(r.readable for r in regions)
    left = sum(r.left for r in regions)
    return KoreanScore(syllables, edits, round(edits / syllables, 4) if syllables else None,
                       readable, left, round(1 - left / readable, 4) if readable else None,
                       tuple(regions))


def korean_totals(scores: Sequence[KoreanScore]) -> dict[str, Any]:
    """Sums over pages, rates from the sums (every syllable weighs the same)."""
    syllables = sum(s.syllables for s in scores)
    edits = sum(s.edits for s in scores)
    readable = sum(s.readable for s in scores)
    left = sum(s.left for s in scores)
    return {"images": len(scores), "syllables": syllables, "edits": edits,
            "cer": round(edits / syllables, 4) if syllables else None,
            "readable": readable, "left": left,
            "removed": round(1 - left / readable, 4) if readable else None}


def korean_page(sample: Sample, result: PageResult) -> KoreanScore | None:
    """The figures for one evaluated page whose ground truth has hangul, else None."""
    truth = sample.truth
    if truth is None or not any(hangul(r.text) for r in truth.regions):
        return None
    try:
        before: Image | None = decode_image(sample.path.read_bytes(), Limits())
    except (OSError, ItpError):
        before = None
    texts = [b.source_text for b in sorted(result.blocks, key=lambda b: b.index)]
    return korean_score(truth, texts, before, result.image)
