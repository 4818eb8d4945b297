"""Glyph masks: the strokes of the letters, and nothing else.

Candidates come from the background model: on a flat region every pixel off its colour; on
art or screentone the strokes a morphological top-hat finds (thin and darker than their
surroundings, or lighter for white lettering). A connected candidate counts as a glyph when
it stays inside its line box (plus a fifth of a line): one that runs out of it is a bubble
outline, a panel border or a strand of hair. Inside a bubble, small marks anywhere in the
interior count too (furigana, punctuation, a line OCR missed), and the part of a glyph that
touches the outline is kept up to the interior's edge.

The mask is then grown over the anti-aliasing (and JPEG ringing) around the strokes; in a
flat region never past the region's interior, so the outline next to a glyph stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workers.process.regions import Bool, Region, box_mask, disc, grow
from workers.types import Box, Image

# How far (in line heights) a glyph may reach out of its line box: OCR boxes are tight, but
# accents, small kana and punctuation poke out a little.
BOX_SLACK = 0.2
# A mark at most this many line heights across, inside a bubble, is lettering.
MARK_LINES = 1.2
# ... and at most this many line heights from the lines read.
MARK_NEAR_LINES = 1.0
# Top-hat candidates must be this much darker (lighter) than their surroundings.
TOPHAT_MIN = 40
# On art, shapes smaller than a square this many line heights wide are texture (tone dots).
SPECK_LINES = 0.15
# The anti-aliased edge around a stroke, in line heights (at least 2 px).
EDGE_LINES = 0.1


@dataclass(slots=True)
class Glyphs:
    """One block's glyph mask over `box` (page pixels), with counts of the strokes found,
    the marks among them outside the lines read, and the stray pixels: off-colour shapes
    inside a bubble's interior that are not lettering (art: the region is no bubble)."""

    box: Box
    mask: Bool
    strokes: int
    unread: int = 0
    stray: int = 0


@dataclass(slots=True)
class _Kept:
    glyphs: Bool
    marks: Bool
    stray: int


def _keep(candidates: Bool, allowed: Bool, interior: Bool | None, near: Bool | None,
          mark_px: int) -> _Kept:
    """The glyph pixels among the candidates (see the module's docstring)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        candidates.astype(np.uint8), connectivity=8)
    if count < 2:
        empty = np.zeros_like(candidates)
        return _Kept(empty, empty, 0)
    inside_box = np.bincount(labels[~allowed], minlength=count) == 0
    inside_box[0] = False
    glyphs = inside_box[labels]
    if interior is None or near is None:
        return _Kept(glyphs, np.zeros_like(glyphs), 0)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    within = np.bincount(labels[~interior], minlength=count) == 0
    close = np.bincount(labels[~near], minlength=count) == 0
    small = (w <= mark_px) & (h <= mark_px) & within & close & ~inside_box
    small[0] = False
    marks = small[labels]
    # A glyph that touches the outline: what lies outside the lines is outline (outside
    # the interior); its part inside the lines and the interior is the glyph's. A shape
    # that runs out of the lines inside the interior is art, or an inner outline.
    out_of_lines = np.bincount(labels[~allowed & interior], minlength=count)
    crossing = ~inside_box & ~small & (out_of_lines == 0)
    crossing[0] = False
    stray = ~inside_box & ~small & ~crossing & within
    stray[0] = False
    return _Kept(glyphs | marks | (crossing[labels] & allowed & interior), marks,
                 int(stats[stray, cv2.CC_STAT_AREA].sum()))


def flat_glyphs(region: Region, lines: Sequence[Box], line_height: float) -> Glyphs:
    """Glyphs of text on a flat region: everything off the region's colour."""
    slack = max(2, round(BOX_SLACK * line_height))
    x0, y0, x1, y1 = region.box
    shape = (y1 - y0, x1 - x0)
    allowed = box_mask(shape, (x0, y0), lines, slack)
    # Marks OCR did not read are taken only within a line of the text read.
    near = box_mask(shape, (x0, y0), lines, round(MARK_NEAR_LINES * line_height))
    interior = region.interior if region.enclosed else None
    kept = _keep(~region.flat, allowed, interior, near, round(MARK_LINES * line_height))
    grown = _grow(kept.glyphs, line_height) & region.interior
    return Glyphs(region.box, grown, int(kept.glyphs.sum()), int(kept.marks.sum()),
                  kept.stray)


def _grow(mask: Bool, line_height: float) -> Bool:
    r = max(2, round(EDGE_LINES * line_height))
    out: Bool = cv2.dilate(mask.astype(np.uint8), disc(r)) > 0
    return out


def textured_glyphs(image: Image, grey: np.ndarray, lines: Sequence[Box],
                    line_height: float) -> Glyphs:
    """Glyphs of text on art or screentone: thin strokes darker (or lighter) than their
    surroundings, inside the line boxes. Of the two polarities, the one that leaves more
    glyph-sized strokes is the lettering's (the other finds texture, or the gaps between
    the strokes)."""
    height, width = grey.shape
    k = max(5, round(0.4 * line_height) | 1)
    slack = max(2, round(BOX_SLACK * line_height))
    text = (min(b[0] for b in lines), min(b[1] for b in lines),
            max(b[2] for b in lines), max(b[3] for b in lines))
    box = grow(text, k + slack, width, height)
    x0, y0, x1, y1 = box
    crop = grey[y0:y1, x0:x1]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    allowed = box_mask(crop.shape, (x0, y0), lines, slack)
    found = []
    for op in (cv2.MORPH_BLACKHAT, cv2.MORPH_TOPHAT):
        candidates: Bool = cv2.morphologyEx(crop, op, kernel) > TOPHAT_MIN
        found.append(_drop_specks(_keep(candidates, allowed, None, None, 0).glyphs,
                                  line_height))
    best = max(found, key=lambda strokes: int(strokes.sum()))
    return Glyphs(box, _grow(best, line_height), int(best.sum()))


def _drop_specks(glyphs: Bool, line_height: float) -> Bool:
    """Without the dots of screentone: components smaller than a full stop at this size."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(glyphs.astype(np.uint8),
                                                           connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < max(6.0, (SPECK_LINES * line_height) ** 2)
    small[0] = True
    out: Bool = ~small[labels]
    return out
