"""The room a block's lines may take: per line position, the span the interior allows there.

A room is an interior mask (a speech bubble's inside, a caption box, the original text area)
read as rows: each row's usable span is its longest run of interior pixels. A line occupying
rows [a, b) may use the span common to all of them, so lines near the top and bottom of an
ellipse come out shorter than the middle ones, and a cloud's bumps are never crossed. "Air"
keeps the ink that many pixels from the wall on every side.

Vertical lettering (Japanese, Chinese) reads the same mask turned a quarter: its "rows" are
the page's columns from right to left, so the first line is the rightmost column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workers.types import Box

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Span:
    """A line's place: `lo`..`hi` along the line (exclusive), in page pixels."""

    lo: int
    hi: int

    @property
    def length(self) -> int:
        return self.hi - self.lo


class Room:
    """The interior `mask` (True inside) whose top-left pixel is page (x0, y0)."""

    def __init__(self, mask: BoolArray, x0: int, y0: int, *, vertical: bool = False) -> None:
        if mask.ndim != 2 or not mask.any():
            raise ValueError("a room needs a non-empty 2-D interior mask")
        self.vertical = vertical
        self.mask = mask
        self.page_box: Box = (x0, y0, x0 + mask.shape[1], y0 + mask.shape[0])
        # In the room's own frame rows run across the lines and columns along them.
        grid = np.ascontiguousarray(mask[:, ::-1].T) if vertical else mask
        self.left, self.right = _longest_runs(grid)
        rows = np.flatnonzero(self.right > self.left)
        self.first, self.last = int(rows[0]), int(rows[-1]) + 1
        rows_n = grid.sum(axis=1, dtype=np.int64)
        cols_n = grid.sum(axis=0, dtype=np.int64)
        total = float(rows_n.sum())
        # The centroid, not the box centre: a bubble's tail must not pull the text into it.
        self.cross_center = float(rows_n @ np.arange(len(rows_n))) / total + 0.5
        self.axis = float(cols_n @ np.arange(len(cols_n))) / total + 0.5
        self.cross_size = self.last - self.first
        self.along_size = int((self.right - self.left).max())
        self._spans: dict[tuple[int, int, int], Span | None] = {}
        self._left_max = _sparse(self.left, np.maximum)
        self._right_min = _sparse(self.right, np.minimum)

    @classmethod
    def rect(cls, box: Box, *, vertical: bool = False) -> Room:
        x0, y0, x1, y1 = box
        return cls(np.ones((max(1, y1 - y0), max(1, x1 - x0)), bool), x0, y0, vertical=vertical)

    def span(self, a: float, b: float, air: int) -> Span | None:
        """The span usable by a line whose ink covers rows [a, b) of the room's frame, kept
        `air` pixels from the wall; None when the line would leave the room."""
        lo_row = int(np.floor(a)) - air
        hi_row = int(np.ceil(b)) + air
        key = (lo_row, hi_row, air)
        if key in self._spans:
            return self._spans[key]
        span: Span | None = None
        if self.first <= lo_row < hi_row <= self.last:
            # Range max / min from the sparse tables: two lookups whatever the line height.
            j = (hi_row - lo_row).bit_length() - 1
            lefts, rights = self._left_max[j], self._right_min[j]
            left = max(lefts[lo_row], lefts[hi_row - (1 << j)]) + air
            right = min(rights[lo_row], rights[hi_row - (1 << j)]) - air
            span = Span(left, right) if right > left else None
        self._spans[key] = span
        return span

    def to_page(self, cross: float, along: float) -> tuple[float, float]:
        """Page (x, y) of a point given in the room's frame."""
        x0, y0, x1, _y1 = self.page_box
        if self.vertical:
            return (x1 - cross, y0 + along)
        return (x0 + along, y0 + cross)


def _sparse(values: IntArray, pick: np.ufunc) -> list[list[int]]:
    """Sparse table: level j holds `pick` over each window of 2**j values."""
    levels = [values.tolist()]
    cur = values
    step = 1
    while 2 * step <= len(values):
        cur = pick(cur[:-step], cur[step:])
        levels.append(cur.tolist())
        step *= 2
    return levels


def _longest_runs(grid: BoolArray) -> tuple[IntArray, IntArray]:
    """Per row, the start and (exclusive) end of the longest run of True; 0, 0 for none."""
    h, w = grid.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = grid
    edges = np.diff(padded, axis=1)
    # Row-major order pairs each run's start with its end.
    rows, starts = np.nonzero(edges == 1)
    _rows, ends = np.nonzero(edges == -1)
    left = np.zeros(h, np.int32)
    right = np.zeros(h, np.int32)
    if len(rows) == 0:
        return left, right
    # Longest first within each row; the first run listed per row is then its longest.
    order = np.lexsort((starts - ends, rows))
    first = order[np.unique(rows[order], return_index=True)[1]]
    left[rows[first]] = starts[first]
    right[rows[first]] = ends[first]
    return left, right
