"""One image's evaluation: the pipeline's result next to what OCR reads before and after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from backend.evaluate.accuracy import DetectionScore, OcrScore, detection, ocr_accuracy
from backend.evaluate.dataset import Sample, image_kind
from backend.evaluate.erasing import EraseScore
from backend.evaluate.korean import KoreanScore, korean_page
from backend.evaluate.lettering import LetteringScore, from_rendered, lettering
from backend.evaluate.placement import PlacementScore, placement
from backend.evaluate.removal import RemovalScore, removal
from workers.types import RGB, Box, PageLayout, PageResult, RenderedBlock, TextLine


@dataclass(frozen=True, slots=True)
class BlockRow:
    index: int
    # Where the source text is (the lines' union) and where the translation was fitted.
    bbox: Box
    fit_bbox: Box
    direction: str
    source_text: str
    translation: str
    kept: bool
    font_size: int
    overflow: bool
    fg: RGB
    outline: RGB | None
    erase: str


@dataclass(slots=True)
class PageRecord:
    name: str
    language: str
    kind: str
    width: int = 0
    height: int = 0
    detected_source: str = ""
    target: str = ""
    output: str = ""
    error: str = ""
    truth_kind: str = ""
    blocks: list[BlockRow] = field(default_factory=list)
    ocr: OcrScore | None = None
    detection: DetectionScore | None = None
    removal: RemovalScore | None = None
    placement: PlacementScore | None = None
    lettering: LetteringScore | None = None
    # Erase-only runs (`--translator none`) on pages with ground-truth boxes: EVAL.md's
    # erasing figures.
    erasing: EraseScore | None = None
    # Pages whose ground truth has hangul: CER on hangul and hangul removed.
    korean: KoreanScore | None = None
    # The pipeline's stages (seconds), and the evaluation's own OCR of the output.
    timings: dict[str, float] = field(default_factory=dict)
    eval_s: float = 0.0
    # Blocks whose source text differs between the pipeline's result and the evaluation's
    # reading of the same lines: nonzero means the figures describe a different grouping.
    layout_mismatch: int = 0


def kept_indices(blocks: Sequence[RenderedBlock]) -> set[int]:
    """Blocks whose lettering the pipeline kept: a translation that is the source text, or
    a sound effect (drawn lettering, an artist's handle), which keeps its pixels even when
    nothing is lettered (erase only)."""
    return {b.index for b in blocks
            if b.kind == "sfx" or (b.translation and b.translation == b.source_text)}


def evaluate_page(sample: Sample, layout: PageLayout, result: PageResult,
                  after: Sequence[TextLine]) -> PageRecord:
    """`layout`: the pipeline's process stage over the lines it read from the input;
    `after`: OCR of the output image."""
    by_index = {b.index: b for b in layout.blocks}
    mismatch = sum(1 for r in result.blocks
                   if r.index not in by_index or by_index[r.index].source_text != r.source_text)
    kept = kept_indices(result.blocks)
    rows = [BlockRow(index=r.index, bbox=by_index[r.index].bbox if r.index in by_index
                     else r.bbox, fit_bbox=r.bbox, direction=r.direction,
                     source_text=r.source_text, translation=r.translation,
                     kept=r.index in kept, font_size=r.font_size, overflow=r.overflow,
                     fg=r.fg, outline=r.outline, erase=r.erase)
            for r in result.blocks]
    truth = sample.truth
    record = PageRecord(
        name=sample.name, language=sample.language,
        kind=image_kind(sample, result.width, result.height),
        width=result.width, height=result.height, detected_source=result.source,
        target=result.target, truth_kind=truth.kind if truth else "", blocks=rows,
        timings={k: round(v, 4) for k, v in result.timings.items()},
        layout_mismatch=mismatch)
    if truth is not None:
        record.ocr = ocr_accuracy(layout.blocks, truth)
        record.detection = detection(layout.blocks, truth)
    record.removal = removal(layout.blocks, kept, after, result.blocks)
    heights = {b.index: b.line_height for b in layout.blocks}
    record.placement = placement(result.image, result.blocks, after, heights)
    record.lettering = lettering(result.image, from_rendered(result.blocks))
    record.korean = korean_page(sample, result)
    return record


def failed_page(sample: Sample, error: str) -> PageRecord:
    return PageRecord(name=sample.name, language=sample.language, kind=sample.kind,
                      error=error, truth_kind=sample.truth.kind if sample.truth else "")

