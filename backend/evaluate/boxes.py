"""Box geometry and one-to-one matching of found boxes to annotated ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workers.types import Box, box_area, intersection, iou


def covered(inner: Box, outer: Box) -> float:
    """Share of `inner` that lies inside `outer`."""
    return intersection(inner, outer) / max(box_area(inner), 1)


def overlap_smaller(a: Box, b: Box) -> float:
    """Intersection over the smaller box: 1 when one box holds the other."""
    return intersection(a, b) / max(min(box_area(a), box_area(b)), 1)


def pad(box: Box, margin: int) -> Box:
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def xywh_to_box(x: float, y: float, w: float, h: float) -> Box:
    return (round(x), round(y), round(x + w), round(y + h))


@dataclass(frozen=True, slots=True)
class Matching:
    """Found boxes paired with annotated ones, each used at most once."""

    found: int
    annotated: int
    pairs: tuple[tuple[int, int, float], ...]  # (found index, annotated index, IoU)

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def precision(self) -> float | None:
        return self.matched / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.annotated if self.annotated else None


def match_boxes(found: Sequence[Box], annotated: Sequence[Box], threshold: float = 0.5,
                score: Callable[[Box, Box], float] = iou) -> Matching:
    """Greedy matching by `score` (IoU), best pairs first; pairs under `threshold` do not
    count."""
    candidates = sorted(((score(f, a), i, j) for i, f in enumerate(found)
                         for j, a in enumerate(annotated)), reverse=True)
    used_f: set[int] = set()
    used_a: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for value, i, j in candidates:
        if value < threshold:
            break
        if i in used_f or j in used_a:
            continue
        used_f.add(i)
        used_a.add(j)
        pairs.append((i, j, round(value, 3)))
    return Matching(len(found), len(annotated), tuple(sorted(pairs)))
