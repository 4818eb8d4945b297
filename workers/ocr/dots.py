"""Balloons that hold only an ellipsis ("……", "..."): lines the text detector never reports.

PP-OCR's detector finds no text in a row of dots alone, so a silent balloon was neither
erased nor lettered. The dots are easy to find by their geometry instead: three or more
small solid marks of one size, evenly spaced along a straight line, on light ground, with
nothing beside the row. Screentone fails the last test (its dots have neighbours across the
row too), as do dotted lines drawn in the art that run on (more than MAX_DOTS marks).

A row that lies in no line the recognizer read becomes a line of its own, read as one "…"
for every three dots, so the page's analysis erases and letters it like any other line. Rows
inside a read line are already part of its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Box, Image, TextLine, u8

# A dot is darker than this (of 255).
DARK = 128
# A dot's side in pixels: from a 1000 px page's ellipsis to that of a 4000 px scan.
MIN_DOT, MAX_DOT = 3, 20
# Dots in a row: an ellipsis has three, two of them six; more is a dotted line in the art.
MIN_DOTS, MAX_DOTS = 3, 12
# A dot is square-ish (its short side at least this share of its long one) and solid.
MIN_SQUARE, MIN_SOLID = 2 / 3, 0.5
# Light ground: at most this share of a window six dots wide around each dot is dark.
GROUND_WINDOW, MAX_GROUND_DARK = 3.0, 0.12
# The next dot of a row: at most this many dot sizes further along, off the row's axis by
# at most this share of a dot, and of a similar size.
MAX_STEP, MAX_ASIDE, MAX_SIZE_RATIO = 4.5, 0.5, 1.7
# A row ends where a step is this much longer than the row's usual one.
MAX_STEP_RATIO = 1.6
# Nothing else may lie within this many steps beside the row (dark pixels, in dot areas).
CLEAR_STEPS, MAX_STRAY = 1.5, 0.5
# A dot's step is a third of the glyph it belongs to ("…" holds three): the line's size.
STEPS_PER_GLYPH = 3.0
# A row with at least this share of its dots in a read line's box belongs to that line.
IN_LINE = 0.5
# Score of a line made from a row of dots: their geometry is certain, not read.
DOTS_SCORE = 1.0

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DotRow:
    """Evenly spaced dots along a line: their centres, usual size and step."""

    xs: Floats
    ys: Floats
    size: float
    step: float
    vertical: bool

    def line(self) -> TextLine:
        """The row as a line one glyph thick, a half step past its end dots."""
        along = self.ys if self.vertical else self.xs
        middle = float(np.mean(self.xs if self.vertical else self.ys))
        start, end = float(along.min()) - self.step / 2, float(along.max()) + self.step / 2
        half = STEPS_PER_GLYPH * self.step / 2
        if self.vertical:
            x0, y0, x1, y1 = middle - half, start, middle + half, end
        else:
            x0, y0, x1, y1 = start, middle - half, end, middle + half
        text = "…" * max(1, round(len(self.xs) / 3))
        return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, DOTS_SCORE,
                        self.vertical)


def _dots(dark: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int32], Floats, Floats]:
    """Labels of the page's dark shapes, and the centres and sizes of those that are dots on
    light ground (index i of the arrays is label i; non-dots have size 0)."""
    _, labels, stats, centres = cv2.connectedComponentsWithStats(dark, connectivity=8)
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    size = np.maximum(w, h).astype(np.float64)
    dot = ((size >= MIN_DOT) & (size <= MAX_DOT) & (np.minimum(w, h) >= MIN_SQUARE * size)
           & (area >= MIN_SOLID * w * h))
    dot[0] = False
    ids = np.nonzero(dot)[0]
    if len(ids):
        height, width = dark.shape
        integral = cv2.integral(dark)
        cx, cy = centres[ids, 0], centres[ids, 1]
        reach = np.ceil(GROUND_WINDOW * size[ids])
        x0 = np.clip(cx - reach, 0, width).astype(np.intp)
        x1 = np.clip(cx + reach + 1, 0, width).astype(np.intp)
        y0 = np.clip(cy - reach, 0, height).astype(np.intp)
        y1 = np.clip(cy + reach + 1, 0, height).astype(np.intp)
        inked = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
        dot[ids] = inked <= MAX_GROUND_DARK * np.maximum((x1 - x0) * (y1 - y0), 1)
    return (np.asarray(labels, np.int32), centres.astype(np.float64),
            np.where(dot, size, 0.0).astype(np.float64))


def _chains(along: Floats, aside: Floats, size: Floats, ids: Sequence[int]) -> list[list[int]]:
    """Rows of dots along one axis: each dot's next is the nearest dot ahead within a few
    sizes, on the axis, of a similar size; rows are split where the step jumps."""
    order = sorted(ids, key=lambda i: along[i])
    keys = along[order]
    nxt: dict[int, int] = {}
    for k, i in enumerate(order):
        end = int(np.searchsorted(keys, along[i] + MAX_STEP * size[i], side="right"))
        best = -1
        for j in order[k + 1: end]:
            big, small = max(size[i], size[j]), min(size[i], size[j])
            step = along[j] - along[i]
            if (step >= (size[i] + size[j]) / 2 + 1 and step <= MAX_STEP * big
                    and abs(aside[j] - aside[i]) <= MAX_ASIDE * big
                    and big <= MAX_SIZE_RATIO * small):
                best = j
                break
        if best >= 0:
            nxt[i] = best
    heads = set(nxt) - set(nxt.values())
    rows: list[list[int]] = []
    for head in sorted(heads, key=lambda i: along[i]):
        chain = [head]
        while chain[-1] in nxt and len(chain) <= len(ids):
            chain.append(nxt[chain[-1]])
        rows += _split(chain, along)
    return rows


def _split(chain: list[int], along: Floats) -> list[list[int]]:
    """The chain cut where a step is much longer than its usual one."""
    if len(chain) < MIN_DOTS:
        return []
    steps = np.diff(along[chain])
    usual = float(np.median(steps))
    pieces: list[list[int]] = [[chain[0]]]
    for i, step in zip(chain[1:], steps, strict=True):
        if step > MAX_STEP_RATIO * usual or step * MAX_STEP_RATIO < usual:
            pieces.append([])
        pieces[-1].append(i)
    return [p for p in pieces if MIN_DOTS <= len(p) <= MAX_DOTS]


def _clear(row: list[int], labels: npt.NDArray[np.int32], centres: Floats, size: float,
           step: float, vertical: bool) -> bool:
    """Nothing but the row's own dots within CLEAR_STEPS steps of its axis."""
    xs, ys = centres[row, 0], centres[row, 1]
    reach = CLEAR_STEPS * step
    if vertical:
        x0, x1 = float(xs.mean()) - reach, float(xs.mean()) + reach
        y0, y1 = float(ys.min()) - size, float(ys.max()) + size
    else:
        x0, x1 = float(xs.min()) - size, float(xs.max()) + size
        y0, y1 = float(ys.mean()) - reach, float(ys.mean()) + reach
    height, width = labels.shape
    window = labels[max(0, int(y0)): min(height, int(np.ceil(y1)) + 1),
                    max(0, int(x0)): min(width, int(np.ceil(x1)) + 1)]
    stray = (window > 0) & ~np.isin(window, row)
    return int(stray.sum()) <= MAX_STRAY * size * size


def find_dot_rows(image: Image) -> list[DotRow]:
    """Every row of dots on the page that reads as an ellipsis (module doc)."""
    grey = u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    labels, centres, size = _dots((grey < DARK).astype(np.uint8))
    ids = [int(i) for i in np.nonzero(size)[0]]
    if len(ids) < MIN_DOTS:
        return []
    rows: list[DotRow] = []
    for vertical in (True, False):
        along = centres[:, 1] if vertical else centres[:, 0]
        aside = centres[:, 0] if vertical else centres[:, 1]
        for row in _chains(along, aside, size, ids):
            dot = float(np.median(size[row]))
            step = float(np.median(np.diff(along[row])))
            if _clear(row, labels, centres, dot, step, vertical):
                rows.append(DotRow(centres[row, 0], centres[row, 1], dot, step, vertical))
    return rows


def _inside(row: DotRow, box: Box) -> int:
    x0, y0, x1, y1 = box
    return int(((row.xs >= x0) & (row.xs <= x1) & (row.ys >= y0) & (row.ys <= y1)).sum())


def dot_lines(image: Image, lines: Sequence[TextLine]) -> list[TextLine]:
    """Lines for the rows of dots that no read line holds."""
    boxes = [ln.bbox for ln in lines]
    return [row.line() for row in find_dot_rows(image)
            if all(_inside(row, b) < IN_LINE * len(row.xs) for b in boxes)]
