"""Shapes seen as strokes: thin straight lines of the art (hatching, speed lines) told from
the strokes of letters by the second moments of their pixels (`workers.process.keep`).

A slanted hairline is a stroke of hatching or a speed line, never a mark OCR missed (a
long-vowel bar or a dash runs along an axis). Hairlines side by side in a comb are speed
lines or hatching in any direction, inside a line box too: drawn thinner than any letter's
stroke at the line's size, several within half a line of one another. Hatching drawn in short
dashes is such a comb too: each dash is short beside a big title's line, but many times
longer than it is thick.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from workers.process.morph import Bool

Ints = npt.NDArray[np.integer]

# A mark OCR did not read is no lettering when it is a straight hairline at a slant: a
# stroke of hatching or a speed line, at least this many line heights long, at most this
# many thick, and this many degrees or more off both of the page's axes (a long-vowel bar
# or a dash runs along an axis).
HAIRLINE_LONG_LINES = 0.3
HAIRLINE_THIN_LINES = 0.1
HAIRLINE_SLANT = 15.0

# A comb: this many hairlines or more side by side (each at least COMB_LONG_LINES of a line
# long, at most COMB_THIN_LINES thick, within COMB_TURN degrees of its neighbours' direction).
COMB_TEETH = 4
COMB_LONG_LINES = 0.25
COMB_THIN_LINES = 0.06
COMB_TURN = 10.0
# ... or a dash of hatching drawn in short strokes: at least COMB_DASH_PX long and
# COMB_DASH_SLENDER times as long as it is thick (the bold title "[がぁさん]" of mokuro
# nyan_000b stands on dashes 10-16 px long and 1.2-1.6 px thick, its line 65 px tall).
COMB_DASH_PX = 8.0
COMB_DASH_SLENDER = 6.0
# Teeth this many line heights apart (centre to centre) or less are side by side; the
# upright strokes of neighbouring letters (니, 네, 가 in a thin hangul face) lie further.
COMB_GAP_LINES = 0.5


Pixels = tuple[Ints, Ints, Ints]


def pixels_of(labels: Ints, shapes: Bool) -> Pixels:
    """Rows, columns and labels of the shapes' pixels: the per-shape figures below are
    summed over these, not over the whole window."""
    points = cv2.findNonZero(shapes.astype(np.uint8))
    if points is None:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    xy = np.asarray(points, np.int64).reshape(-1, 2)
    xs, ys = xy[:, 0], xy[:, 1]
    return ys, xs, labels[ys, xs]


@dataclass(frozen=True, slots=True)
class Strokes:
    """Per label, each shape seen as a straight stroke, from the second moments of its
    pixels (a line `length` long and `t` thick has variances length²/12 and t²/12 along
    and across its axis): its centre, length, thickness and direction (degrees, 0-180)."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]
    thick: npt.NDArray[np.float64]
    degrees: npt.NDArray[np.float64]


def strokes_of(pixels: Pixels, count: int) -> Strokes:
    """The shapes of `pixels` (`pixels_of`), labels 0 to `count` - 1, as strokes."""
    ys, xs, lab = pixels
    n = np.maximum(np.bincount(lab, minlength=count), 1).astype(np.float64)
    x, y = xs.astype(np.float64), ys.astype(np.float64)
    mx, my = np.bincount(lab, x, count) / n, np.bincount(lab, y, count) / n
    sxx = np.bincount(lab, x * x, count) / n - mx * mx
    syy = np.bincount(lab, y * y, count) / n - my * my
    sxy = np.bincount(lab, x * y, count) / n - mx * my
    half, spread = (sxx + syy) / 2, np.sqrt(((sxx - syy) / 2) ** 2 + sxy ** 2)
    return Strokes(mx, my, np.sqrt(12 * (half + spread)),
                   np.sqrt(12 * np.maximum(half - spread, 0.0)),
                   np.degrees(0.5 * np.arctan2(2 * sxy, sxx - syy)) % 180)


def slanted_hairlines(pixels: Pixels, count: int, line_height: float,
                      ) -> npt.NDArray[np.bool_]:
    """Per label: a straight thin stroke at a slant."""
    s = strokes_of(pixels, count)
    degrees = s.degrees % 90
    slanted = (degrees >= HAIRLINE_SLANT) & (degrees <= 90 - HAIRLINE_SLANT)
    out: npt.NDArray[np.bool_] = (s.length >= HAIRLINE_LONG_LINES * line_height) \
        & (s.thick <= max(1.5, HAIRLINE_THIN_LINES * line_height)) & slanted
    return out


def combs(labels: Ints, count: int, stats: Ints, line_height: float,
          ) -> npt.NDArray[np.bool_]:
    """Per label: one of COMB_TEETH or more hairlines side by side, in any direction, each
    close beside another running the same way: the speed lines or hatching a line box
    takes in at its end. Thinner than a letter's stroke at the line's size, so kanji of
    parallel strokes (川, 三) are not."""
    thin = max(1.0, COMB_THIN_LINES * line_height)
    out = np.zeros(count, bool)
    # Only shapes that may be such a stroke are measured: long enough across their box,
    # and with no more pixels than a stroke that long and twice that thin would have.
    long = COMB_LONG_LINES * line_height
    span = np.hypot(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    maybe = (span >= min(long, COMB_DASH_PX)) \
        & (stats[:, cv2.CC_STAT_AREA] <= 2 * thin * span)
    maybe[0] = False
    if maybe.sum() < COMB_TEETH:
        return out
    s = strokes_of(pixels_of(labels, maybe[labels]), count)
    # A tooth is long, or a dash of hatching: short, but many times longer than thick.
    tooth = (s.length >= long) | ((s.length >= COMB_DASH_PX)
                                  & (s.length >= COMB_DASH_SLENDER * s.thick))
    hair = maybe & tooth & (s.thick <= thin)
    picked = np.flatnonzero(hair)
    if len(picked) < COMB_TEETH:
        return out
    dx = s.x[picked][:, None] - s.x[picked][None, :]
    dy = s.y[picked][:, None] - s.y[picked][None, :]
    turn = np.abs(s.degrees[picked][:, None] - s.degrees[picked][None, :])
    turn = np.minimum(turn, 180 - turn)
    beside = (np.hypot(dx, dy) <= COMB_GAP_LINES * line_height) & (turn <= COMB_TURN)
    # Teeth beside teeth: the comb is the connected group, counted whole.
    n, group = _groups(beside)
    sizes = np.bincount(group, minlength=n)
    out[picked] = sizes[group] >= COMB_TEETH
    return out


def _groups(adjacent: npt.NDArray[np.bool_]) -> tuple[int, Ints]:
    """The connected groups of a symmetric adjacency matrix: their count and each node's
    group, numbered from 0 (union-find over its edges: a hatched window has a few hundred
    hairlines, each beside a handful)."""
    parent = list(range(len(adjacent)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(*np.nonzero(np.triu(adjacent, 1)), strict=True):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    _, group = np.unique([root(i) for i in range(len(adjacent))], return_inverse=True)
    return int(group.max(initial=-1)) + 1, np.asarray(group, np.int64)


def only(pixels: Pixels, chosen: npt.NDArray[np.bool_]) -> Pixels:
    """The pixels of the chosen labels."""
    ys, xs, lab = pixels
    keep = chosen[lab]
    return ys[keep], xs[keep], lab[keep]
