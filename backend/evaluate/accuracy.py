"""OCR accuracy and block detection against ground truth.

OCR: each line the pipeline read is given to the annotated region it lies in (at least half
of it), and each region's lines, in the pipeline's reading order, are compared with the
region's text. Assigning lines rather than whole blocks keeps a grouping mistake (two bubbles
merged into one block) out of the character error rate; grouping is what `detection` scores.
Where the ground truth has no boxes (single crops, transcriptions), the page's whole text is
compared with all of the ground truth's text.

Detection is scored at IoU >= 0.5, and also by containment (one box at least 70 % inside the
other): our boxes hug the glyphs while annotators draw with a margin, which costs a thin
vertical column its IoU though it found the right bubble; containment still counts it, and
still refuses two bubbles merged into one block (only one of them can be its match).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.evaluate.boxes import covered, match_boxes, overlap_smaller
from backend.evaluate.dataset import GroundTruth
from backend.evaluate.textdiff import edit_distance, normalize
from workers.types import Block

# Share of a line that must lie inside an annotated region for the line to belong to it.
LINE_IN_REGION = 0.5
IOU_MATCH = 0.5
CONTAIN_MATCH = 0.7


@dataclass(frozen=True, slots=True)
class RegionScore:
    text: str
    read: str
    chars: int
    edits: int
    cer: float


@dataclass(frozen=True, slots=True)
class OcrScore:
    kind: str
    whole_page: bool
    regions: tuple[RegionScore, ...]
    chars: int
    edits: int
    cer: float | None
    # Lines read outside every annotated region (sound effects, signs, false detections).
    unmatched_lines: int


@dataclass(frozen=True, slots=True)
class DetectionScore:
    kind: str
    found: int
    annotated: int
    matched: int
    precision: float | None
    recall: float | None
    # (block index, region index, IoU) for each match.
    pairs: tuple[tuple[int, int, float], ...]
    matched_contain: int
    precision_contain: float | None
    recall_contain: float | None


def region_score(text: str, read: str) -> RegionScore:
    ref, hyp = normalize(text), normalize(read)
    edits = edit_distance(ref, hyp)
    rate = edits / len(ref) if ref else float(bool(hyp))
    return RegionScore(text, read, len(ref), edits, round(rate, 4))


def ocr_accuracy(blocks: Sequence[Block], truth: GroundTruth) -> OcrScore:
    if not truth.has_boxes:
        read = "".join(b.source_text for b in blocks)
        text = "".join(r.text for r in truth.regions)
        scores: list[RegionScore] = [region_score(text, read)]
        unmatched = 0
    else:
        pieces: list[list[str]] = [[] for _ in truth.regions]
        unmatched = 0
        for block in blocks:
            for line in block.lines:
                best, share = -1, 0.0
                for j, region in enumerate(truth.regions):
                    assert region.bbox is not None
                    s = covered(line.bbox, region.bbox)
                    if s > share:
                        best, share = j, s
                if share >= LINE_IN_REGION:
                    pieces[best].append(line.text)
                else:
                    unmatched += 1
        scores = [region_score(r.text, "".join(p)) for r, p in zip(truth.regions, pieces,
                                                                     strict=True)]
    chars = sum(s.chars for s in scores)
    edits = sum(s.edits for s in scores)
    return OcrScore(truth.kind, not truth.has_boxes, tuple(scores), chars, edits,
                    round(edits / chars, 4) if chars else None, unmatched)


def detection(blocks: Sequence[Block], truth: GroundTruth) -> DetectionScore | None:
    """Blocks against annotated regions, one to one at IoU >= 0.5; None without boxes."""
    if not truth.has_boxes:
        return None
    boxes = [r.bbox for r in truth.regions if r.bbox is not None]
    found = [b.bbox for b in blocks]
    m = match_boxes(found, boxes, IOU_MATCH)
    c = match_boxes(found, boxes, CONTAIN_MATCH, overlap_smaller)
    pairs = tuple((blocks[i].index, j, s) for i, j, s in m.pairs)
    return DetectionScore(truth.kind, m.found, m.annotated, m.matched,
                          _round(m.precision), _round(m.recall), pairs, c.matched,
                          _round(c.precision), _round(c.recall))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
