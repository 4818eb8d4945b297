"""How well the text was erased: the figures of `../shared/EVAL.md`, "Erasing".

Computed from the input and output pages, the sidecar's blocks and the ground truth's text
boxes, on grey pages (ITU-R 601 luma, as OpenCV and Pillow convert):

- ink: pixels darker than the brightest pixel of their 9x9 window by more than 60 levels and
  darker than 140 (the dark strokes of a page);
- found: share of text boxes at least half of whose ink lies inside the blocks' boxes;
- ink left: inside the text boxes, share of the input's ink the output did not lighten by
  at least 60 levels;
- ghosts: in text boxes on a flat background (the input's non-ink pixels span less than 30
  levels between their 10th and 90th percentile), share of the input's ink whose output
  differs from the box's median output background by more than 24 levels;
- art lost: outside the text areas (boxes grown by 6 px), share of the input's ink the
  output lightened by more than 80 levels;
- spill: pixels whose colour changed by more than 48 in any channel outside the text areas,
  per thousand pixels of the page;
- CER: per text box the block overlapping it most (at least 30 % of the box); edit distance
  of letters, digits and CJK (NFKC, case-folded), summed and divided by the truth's length.

Diagnostics: `letters_left`, `letter_ghosts`, counted only on dark shapes that stay inside
the text areas (hand-made boxes take in bubble outline or art, whose ink must stay).

A text box without any ink (a box around a few specks) cannot be found or missed, and is
left out of `found`. Shares whose denominator is empty are None.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from backend.evaluate.dataset import GroundTruth
from backend.evaluate.textdiff import edit_distance
from workers.types import Box, Image, PageResult, box_area, intersection

INK_WINDOW = 9
INK_BELOW_MAX = 60
INK_DARK = 140
TEXT_AREA_PAD = 6
LIGHTENED = 60
FLAT_SPAN = 30
GHOST_DIFF = 24
ART_LIGHTENED = 80
SPILL_CHANGE = 48
FOUND_INK = 0.5
CER_OVERLAP = 0.3

Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class EraseBlock:
    """What the erasing figures need of a sidecar block."""

    bbox: Box
    source_text: str


@dataclass(frozen=True, slots=True)
class TruthBox:
    bbox: Box
    text: str


@dataclass(frozen=True, slots=True)
class EraseScore:
    """One page's erasing figures, with the counts they come from (totals sum counts)."""

    boxes: int
    boxes_with_ink: int
    found: int
    ink: int
    ink_left: int
    ghost_ink: int
    ghosts: int
    art_ink: int
    art_lost: int
    spill_px: int
    pixels: int
    chars: int
    edits: int
    letter_ink: int = 0
    letter_left: int = 0
    letter_ghost_ink: int = 0
    letter_ghosts: int = 0

    @property
    def found_share(self) -> float | None:
        return _share(self.found, self.boxes_with_ink)

    @property
    def ink_left_share(self) -> float | None:
        return _share(self.ink_left, self.ink)

    @property
    def ghost_share(self) -> float | None:
        return _share(self.ghosts, self.ghost_ink)

    @property
    def art_lost_share(self) -> float | None:
        return _share(self.art_lost, self.art_ink)

    @property
    def spill_per_mille(self) -> float:
        return round(1000 * self.spill_px / max(self.pixels, 1), 4)

    @property
    def cer(self) -> float | None:
        return _share(self.edits, self.chars)

    @property
    def letters_left_share(self) -> float | None:
        return _share(self.letter_left, self.letter_ink)

    @property
    def letter_ghost_share(self) -> float | None:
        return _share(self.letter_ghosts, self.letter_ghost_ink)

    def figures(self) -> dict[str, float | None]:
        return {"found": self.found_share, "ink_left": self.ink_left_share,
                "ghosts": self.ghost_share, "art_lost": self.art_lost_share,
                "spill": self.spill_per_mille, "cer": self.cer,
                "letters_left": self.letters_left_share,
                "letter_ghosts": self.letter_ghost_share}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def grey(image: Image) -> npt.NDArray[np.int16]:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.int16)


def ink_mask(grey_page: npt.NDArray[np.int16]) -> Bool:
    kernel = np.ones((INK_WINDOW, INK_WINDOW), np.uint8)
    brightest = cv2.dilate(grey_page.astype(np.uint8), kernel).astype(np.int16)
    out: Bool = ((brightest - grey_page) > INK_BELOW_MAX) & (grey_page < INK_DARK)
    return out


def _clip(box: Box, width: int, height: int) -> Box:
    return (max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3]))


def _box_mask(boxes: Sequence[Box], width: int, height: int, pad: int = 0) -> Bool:
    mask = np.zeros((height, width), bool)
    for box in boxes:
        x0, y0, x1, y1 = _clip((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
                               width, height)
        mask[y0:y1, x0:x1] = True
    return mask


def letters(text: str) -> str:
    """Letters, digits and CJK (all `isalnum` in Unicode), NFKC and case-folded."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if ch.isalnum())


def _cer_counts(blocks: Sequence[EraseBlock], truth: Sequence[TruthBox]) -> tuple[int, int]:
    chars = edits = 0
    for t in truth:
        ref = letters(t.text)
        if not ref:
            continue
        best, best_inter = None, 0
        for b in blocks:
            inter = intersection(b.bbox, t.bbox)
            if inter > best_inter:
                best, best_inter = b, inter
        hyp = ""
        if best is not None and best_inter >= CER_OVERLAP * max(box_area(t.bbox), 1):
            hyp = letters(best.source_text)
        chars += len(ref)
        edits += edit_distance(ref, hyp)
    return chars, edits


def _ghosts(gin: npt.NDArray[np.int16], gout: npt.NDArray[np.int16], ink: Bool,
            truth: Sequence[TruthBox], letters: Bool) -> tuple[int, int, int, int]:
    """Ink pixels in flat boxes and of those the ghosts; the same on `letters` only."""
    height, width = gin.shape
    counts = np.zeros(4, np.int64)
    for t in truth:
        x0, y0, x1, y1 = _clip(t.bbox, width, height)
        if x1 <= x0 or y1 <= y0:
            continue
        box_ink = ink[y0:y1, x0:x1]
        if not box_ink.any():
            continue
        background = gin[y0:y1, x0:x1][~box_ink]
        if background.size == 0:
            continue
        p10, p90 = np.percentile(background, [10, 90])
        if p90 - p10 >= FLAT_SPAN:
            continue
        out_box = gout[y0:y1, x0:x1]
        ghost = box_ink & (np.abs(out_box - float(np.median(out_box[~box_ink]))) > GHOST_DIFF)
        own = letters[y0:y1, x0:x1]
        counts += (box_ink.sum(), ghost.sum(), (box_ink & own).sum(), (ghost & own).sum())
    total, ghosts, letter_total, letter_ghosts = (int(c) for c in counts)
    return total, ghosts, letter_total, letter_ghosts


def _stays_inside(gin: npt.NDArray[np.int16], text_area: Bool) -> Bool:
    """Dark pixels (under INK_DARK) whose 8-connected dark shape lies wholly in the text
    areas: the letters, not the outline or art a loose box takes in."""
    dark = (gin < INK_DARK).astype(np.uint8)
    count, labels = cv2.connectedComponents(dark, connectivity=8)
    leaves = np.bincount(labels[~text_area], minlength=count) > 0
    leaves[0] = True
    out: Bool = ~leaves[labels]
    return out


def erase_score(before: Image, after: Image, blocks: Sequence[EraseBlock],
                truth: Sequence[TruthBox]) -> EraseScore:
    """The page's figures; `before` and `after` are RGB pages of the same size."""
    if before.shape != after.shape:
        raise ValueError(f"pages differ in size: {before.shape} vs {after.shape}")
    height, width = before.shape[:2]
    gin, gout = grey(before), grey(after)
    ink = ink_mask(gin)
    boxes = [t.bbox for t in truth]
    inside = _box_mask(boxes, width, height)
    text_area = _box_mask(boxes, width, height, TEXT_AREA_PAD)
    in_blocks = _box_mask([b.bbox for b in blocks], width, height)
    lightened = gout - gin

    found = with_ink = 0
    for t in truth:
        x0, y0, x1, y1 = _clip(t.bbox, width, height)
        box_ink = ink[y0:y1, x0:x1]
        n = int(box_ink.sum())
        if n == 0:
            continue
        with_ink += 1
        if int((box_ink & in_blocks[y0:y1, x0:x1]).sum()) >= FOUND_INK * n:
            found += 1

    text_ink = ink & inside
    letter_ink = text_ink & (stays := _stays_inside(gin, text_area))
    art_ink = ink & ~text_area
    changed = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2) \
        > SPILL_CHANGE
    ghost_ink, ghosts, letter_ghost_ink, letter_ghosts = _ghosts(gin, gout, ink, truth, stays)
    chars, edits = _cer_counts(blocks, truth)
    return EraseScore(
        boxes=len(truth), boxes_with_ink=with_ink, found=found,
        ink=int(text_ink.sum()), ink_left=int((lightened[text_ink] < LIGHTENED).sum()),
        ghost_ink=ghost_ink, ghosts=ghosts,
        art_ink=int(art_ink.sum()), art_lost=int((lightened[art_ink] > ART_LIGHTENED).sum()),
        spill_px=int((changed & ~text_area).sum()), pixels=width * height,
        chars=chars, edits=edits, letter_ink=int(letter_ink.sum()),
        letter_left=int((lightened[letter_ink] < LIGHTENED).sum()),
        letter_ghost_ink=letter_ghost_ink, letter_ghosts=letter_ghosts)


def erase_totals(scores: Sequence[EraseScore]) -> dict[str, float | int | None]:
    """Means over pages (CER over characters), and the worst page's art lost."""

    def mean(values: Sequence[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return round(statistics.fmean(known), 4) if known else None

    art = [s.art_lost_share for s in scores if s.art_lost_share is not None]
    chars = sum(s.chars for s in scores)
    return {
        "pages": len(scores),
        "found": mean([s.found_share for s in scores]),
        "ink_left": mean([s.ink_left_share for s in scores]),
        "ghosts": mean([s.ghost_share for s in scores]),
        "art_lost": mean(art),
        "art_lost_max": round(max(art), 4) if art else None,
        "spill": mean([s.spill_per_mille for s in scores]),
        "cer": _share(sum(s.edits for s in scores), chars),
        "letters_left": mean([s.letters_left_share for s in scores]),
        "letter_ghosts": mean([s.letter_ghost_share for s in scores]),
    }


def diff_view(before: Image, after: Image, truth: Sequence[Box]) -> Image:
    """The output, faded, with the pixels changed outside the text areas in red (what the
    erasing touched that it should not have) and those changed inside in green."""
    height, width = before.shape[:2]
    changed = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2) \
        > SPILL_CHANGE
    text_area = _box_mask(truth, width, height, TEXT_AREA_PAD)
    view = (after.astype(np.uint16) // 2 + 127).astype(np.uint8)
    view[changed & text_area] = (40, 170, 60)
    view[changed & ~text_area] = (230, 20, 20)
    return view


def erase_page(truth: GroundTruth | None, before: Image, result: PageResult,
               ) -> EraseScore | None:
    """The page's figures against its ground-truth boxes (None without boxes), from the
    blocks as the sidecar lists them."""
    if truth is None or not truth.has_boxes:
        return None
    boxes = [TruthBox(r.bbox, r.text) for r in truth.regions if r.bbox is not None]
    blocks = [EraseBlock(b.bbox, b.source_text) for b in result.blocks]
    return erase_score(before, result.image, blocks, boxes)


def diff_thumb(before: Image, after: Image, truth: GroundTruth | None, scale: float) -> str:
    """The diff view for the contact sheet, as a base64 JPEG at the sheet's scale."""
    from backend.evaluate.thumbs import jpeg_base64, resized

    boxes = [r.bbox for r in truth.regions if r.bbox is not None] if truth else []
    view = diff_view(before, after, boxes)
    # Nearest-neighbour shrinking would drop thin red strokes: grow them first.
    if scale < 1:
        grow = max(1, round(0.5 / scale))
        kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
        red = np.all(view == (230, 20, 20), axis=2).astype(np.uint8)
        view[cv2.dilate(red, kernel) > 0] = (230, 20, 20)
    return jpeg_base64(resized(view, scale))

