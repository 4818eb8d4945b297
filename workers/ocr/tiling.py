"""Cutting tall webtoon strips into overlapping tiles, and merging what the tiles read.

The detector resizes its input so the long side fits its limit; a 800x20000 strip would
shrink its text to nothing. A strip (taller than twice its width) is cut when the detector
would see it at under MIN_SCALE: a 800x1654 webtoon slice is read whole (scale 0.58 at the
default limit; cutting it doubles the detector's work and finds the same lines), a 800x3000
strip is cut. Tiles about 1.6x as tall as wide keep text at page scale. The
overlap is taller than any speech line, so every line is seen whole by at least one tile;
a line cut by a tile's inner edge is dropped there, and lines seen whole twice are merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workers.types import TextLine

TILE_ASPECT = 1.6
MIN_SCALE = 0.5
DET_LIMIT = 960
MIN_OVERLAP_PX = 160
OVERLAP_FRACTION = 0.2


@dataclass(frozen=True, slots=True)
class Tile:
    y0: int
    y1: int
    top_is_cut: bool
    bottom_is_cut: bool


def needs_tiling(width: int, height: int, det_limit: int = DET_LIMIT) -> bool:
    return height > 2 * width and det_limit / height < MIN_SCALE


def plan_tiles(width: int, height: int, det_limit: int = DET_LIMIT) -> list[Tile]:
    """Equal tiles covering [0, height) with at least the overlap between neighbours."""
    if not needs_tiling(width, height, det_limit):
        return [Tile(0, height, False, False)]
    tile_h = max(int(width * TILE_ASPECT), 2 * MIN_OVERLAP_PX)
    overlap = max(MIN_OVERLAP_PX, int(tile_h * OVERLAP_FRACTION))
    count = max(1, -(-(height - overlap) // (tile_h - overlap)))  # ceil
    # Spread the tiles evenly so the last one is not a sliver.
    step = (height - tile_h) / max(count - 1, 1) if count > 1 else 0.0
    tiles = []
    for i in range(count):
        y0 = round(i * step) if count > 1 else 0
        y1 = min(height, y0 + tile_h)
        if i == count - 1:
            y0, y1 = max(0, height - tile_h), height
        tiles.append(Tile(y0, y1, i > 0, i < count - 1))
    return tiles


def shift_line(line: TextLine, dy: int) -> TextLine:
    return TextLine(tuple((x, y + dy) for x, y in line.polygon), line.text, line.score,
                    line.vertical)


def keep_in_tile(line: TextLine, tile: Tile, edge_px: int = 3) -> bool:
    """False for a line touching a cut edge: the neighbouring tile sees it whole."""
    _, y0, _, y1 = line.bbox
    if tile.top_is_cut and y0 <= tile.y0 + edge_px:
        return False
    return not (tile.bottom_is_cut and y1 >= tile.y1 - edge_px)


def _overlap_ratio(a: TextLine, b: TextLine) -> float:
    ax0, ay0, ax1, ay1 = a.bbox
    bx0, by0, bx1, by1 = b.bbox
    iw = min(ax1, bx1) - max(ax0, bx0)
    ih = min(ay1, by1) - max(ay0, by0)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return inter / smaller if smaller > 0 else 0.0


def _area(line: TextLine) -> int:
    x0, y0, x1, y1 = line.bbox
    return (x1 - x0) * (y1 - y0)


def merge_lines(tiles: Sequence[Sequence[TextLine]], threshold: float = 0.6) -> list[TextLine]:
    """The lines of all tiles, in page order, without the duplicates of the overlaps: of two
    lines from different tiles covering mostly the same pixels, keep the one with more text,
    then the bigger box (detections before recognition have no text yet). Two lines of one
    tile are never duplicates: one detector pass does not see a line twice, and a small line
    overlapping a big one is its own line (a subtitle under a title's descenders)."""
    ranked = sorted(((ln, i) for i, lines in enumerate(tiles) for ln in lines),
                    key=lambda t: (len(t[0].text), _area(t[0]), t[0].score), reverse=True)
    kept: list[tuple[TextLine, int]] = []
    for line, tile in ranked:
        if all(t == tile or _overlap_ratio(line, k) < threshold for k, t in kept):
            kept.append((line, tile))
    out = [ln for ln, _ in kept]
    out.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    return out
