"""Lines -> blocks (one bubble or caption each) in reading order.

Two lines belong to one block when they are neighbours across the reading direction (the next
line below, or the next column to the left), overlap along it, and have about the same glyph
size — and do not sit on two different flat colours (a caption box above a bubble). On a
panel, where the lines of several bubbles whose outlines run together are grouped by this
geometry alone, columns of vertical text also start level: speech is lettered top-aligned,
and the next bubble's column beside it starts higher or lower (on the samples, the columns
of one text start within 0.4 of a line of each other; display lettering on the art may be
staggered on purpose, and is not held to it). Blocks
are then ordered like a reader reads the page: rows top to bottom, and within a row left to
right — or right to left for vertical Japanese/Chinese (manga order).
"""

from __future__ import annotations

from collections.abc import Sequence

from workers.types import RGB, Block, Direction, TextLine, union_box

# Gap between neighbouring lines, in line heights, still read as one block.
MAX_GAP = 0.9
MAX_SIZE_RATIO = 1.7
# On a panel, columns of one vertical text start within this many line widths of each other.
MAX_TOP_SHIFT = 0.5
# Two flat backgrounds further apart than this (per channel) are two different boxes.
MAX_BACKGROUND_DIFF = 48


def _parent(parents: list[int], i: int) -> int:
    while parents[i] != i:
        parents[i] = parents[parents[i]]
        i = parents[i]
    return i


def _same_block(a: TextLine, b: TextLine, bg_a: RGB | None = None,
                bg_b: RGB | None = None, level: bool = False) -> bool:
    """`level`: vertical columns must start level (lines on a panel)."""
    if a.vertical != b.vertical:
        return False
    if bg_a is not None and bg_b is not None and \
            max(abs(p - q) for p, q in zip(bg_a, bg_b, strict=True)) > MAX_BACKGROUND_DIFF:
        return False
    ha, hb = max(a.height, 1), max(b.height, 1)
    if max(ha, hb) / min(ha, hb) > MAX_SIZE_RATIO:
        return False
    size = (ha + hb) / 2
    ax0, ay0, ax1, ay1 = a.bbox
    bx0, by0, bx1, by1 = b.bbox
    if a.vertical:
        if level and abs(ay0 - by0) > MAX_TOP_SHIFT * size:
            return False
        gap = max(bx0 - ax1, ax0 - bx1)
        along = min(ay1, by1) - max(ay0, by0)
        shorter = min(ay1 - ay0, by1 - by0)
    else:
        gap = max(by0 - ay1, ay0 - by1)
        along = min(ax1, bx1) - max(ax0, bx0)
        shorter = min(ax1 - ax0, bx1 - bx0)
    if gap > MAX_GAP * size:
        return False
    # Lines of a bubble overlap along the reading direction; for centred text short lines sit
    # inside longer ones. Side-by-side captions do not overlap at all.
    return along > 0.25 * shorter or (along > 0 and gap < 0.3 * size)


def group_lines(lines: Sequence[TextLine],
                backgrounds: Sequence[RGB | None] | None = None,
                owners: Sequence[int | None] | None = None,
                panels: Sequence[int | None] | None = None) -> list[list[TextLine]]:
    """`owners`: the enclosed region (bubble) each line sits in, or None. One bubble is one
    block, whatever the gaps between its lines; lines in different bubbles, or one in a
    bubble and one outside, never share a block. `panels`: the panel each line is set in,
    or None; lines in different panels, or one in a panel and one outside, never share a
    block either."""
    bgs = backgrounds or [None] * len(lines)
    own = owners or [None] * len(lines)
    pan = panels or [None] * len(lines)
    parents = list(range(len(lines)))
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if own[i] is not None and own[i] == own[j]:
                same = True
            elif own[i] != own[j] or pan[i] != pan[j]:
                same = False
            else:
                same = _same_block(lines[i], lines[j], bgs[i], bgs[j], pan[i] is not None)
            if same:
                parents[_parent(parents, i)] = _parent(parents, j)
    groups: dict[int, list[TextLine]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(_parent(parents, i), []).append(line)
    return list(groups.values())


def make_blocks(lines: Sequence[TextLine], right_to_left: bool,
                backgrounds: Sequence[RGB | None] | None = None,
                owners: Sequence[int | None] | None = None,
                panels: Sequence[int | None] | None = None) -> list[Block]:
    blocks: list[Block] = []
    for group in group_lines(lines, backgrounds, owners, panels):
        vertical = sum(ln.vertical for ln in group) * 2 > len(group)
        direction: Direction = "v" if vertical else "h"
        if vertical:
            group.sort(key=lambda ln: -ln.bbox[2])  # columns right to left
        else:
            group.sort(key=lambda ln: ln.bbox[1])
        blocks.append(Block(0, union_box([ln.bbox for ln in group]), group, direction))
    ordered = reading_order(blocks, right_to_left)
    for i, block in enumerate(ordered):
        block.index = i
    return ordered


def reading_order(blocks: Sequence[Block], right_to_left: bool) -> list[Block]:
    """Rows of blocks that overlap vertically, top to bottom; within a row by x."""
    pending = sorted(blocks, key=lambda b: b.bbox[1])
    rows: list[list[Block]] = []
    row_bottom = -1
    for block in pending:
        _, y0, _, y1 = block.bbox
        # A block starting above the middle of the current row's lowest block joins the row.
        if rows and y0 < row_bottom:
            rows[-1].append(block)
            row_bottom = max(row_bottom, (y0 + y1) // 2)
        else:
            rows.append([block])
            row_bottom = (y0 + y1) // 2
    out: list[Block] = []
    for row in rows:
        row.sort(key=lambda b: -b.bbox[2] if right_to_left else b.bbox[0])
        out.extend(row)
    return out
