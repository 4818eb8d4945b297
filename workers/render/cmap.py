"""Which characters a font file maps to a glyph, read from its `cmap` table.

Pillow cannot tell a real glyph from `.notdef`, and fontTools would be a new dependency for a
few dozen lines of table reading. Only the table directory and the cmap table are read (a CJK
collection is tens of megabytes; its cmap is a few hundred kilobytes).
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Subtables in order of preference: full Unicode (format 12) before BMP-only (format 4).
_PREFERRED: tuple[tuple[int, int, int], ...] = (
    (3, 10, 12),
    (0, 6, 12),
    (0, 4, 12),
    (3, 1, 4),
    (0, 3, 4),
    (0, 2, 4),
    (0, 1, 4),
    (0, 0, 4),
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Sorted, non-overlapping inclusive code point ranges."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int):
            return False
        i = bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def covers(self, ch: str) -> bool:
        return ord(ch) in self

    def __len__(self) -> int:
        return sum(e - s + 1 for s, e in zip(self.starts, self.ends, strict=True))


EMPTY = Coverage((), ())


class FontFileError(ValueError):
    """The file is not an OpenType/TrueType font or collection we can read."""


def read_coverage(path: Path, index: int = 0) -> Coverage:
    """The code points face `index` of `path` maps to a real glyph."""
    try:
        with path.open("rb") as f:
            data = _read_cmap_table(f, index)
    except (OSError, struct.error) as exc:
        raise FontFileError(f"{path}: {exc}") from exc
    if data is None:
        return EMPTY
    try:
        return _parse_cmap(data)
    except (struct.error, IndexError) as exc:
        raise FontFileError(f"{path}: damaged cmap table ({exc})") from exc


def _read_cmap_table(f: BinaryIO, index: int) -> bytes | None:
    head = f.read(12)
    if len(head) < 12:
        raise FontFileError("file too short to be a font")
    base = 0
    if head[:4] == b"ttcf":
        (count,) = struct.unpack(">I", head[8:12])
        if not 0 <= index < count:
            raise FontFileError(f"collection has {count} faces, no index {index}")
        f.seek(12 + 4 * index)
        (base,) = struct.unpack(">I", f.read(4))
        f.seek(base)
        head = f.read(12)
    elif index != 0:
        raise FontFileError(f"not a collection, no face index {index}")
    if head[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise FontFileError("not an OpenType/TrueType font")
    (num_tables,) = struct.unpack(">H", head[4:6])
    directory = f.read(16 * num_tables)
    for i in range(num_tables):
        tag, _checksum, offset, length = struct.unpack(">4sIII", directory[16 * i : 16 * i + 16])
        if tag == b"cmap":
            f.seek(offset)
            return bytes(f.read(length))
    return None


def _parse_cmap(data: bytes) -> Coverage:
    (count,) = struct.unpack(">H", data[2:4])
    subtables: dict[tuple[int, int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack(">HHI", data[4 + 8 * i : 12 + 8 * i])
        (fmt,) = struct.unpack(">H", data[offset : offset + 2])
        subtables.setdefault((platform, encoding, fmt), offset)
    for key in _PREFERRED:
        if key in subtables:
            offset = subtables[key]
            ranges = _format12(data, offset) if key[2] == 12 else _format4(data, offset)
            return _merge(ranges)
    return EMPTY


def _format12(data: bytes, off: int) -> list[tuple[int, int]]:
    (groups,) = struct.unpack(">I", data[off + 12 : off + 16])
    ranges = []
    for i in range(groups):
        start, end, glyph = struct.unpack(">III", data[off + 16 + 12 * i : off + 28 + 12 * i])
        if glyph == 0:  # the first code point of the group maps to .notdef
            start += 1
        if start <= end:
            ranges.append((start, end))
    return ranges


def _format4(data: bytes, off: int) -> list[tuple[int, int]]:
    (seg_x2,) = struct.unpack(">H", data[off + 6 : off + 8])
    n = seg_x2 // 2
    ends = struct.unpack(f">{n}H", data[off + 14 : off + 14 + seg_x2])
    starts_at = off + 16 + seg_x2
    starts = struct.unpack(f">{n}H", data[starts_at : starts_at + seg_x2])
    deltas = struct.unpack(f">{n}h", data[starts_at + seg_x2 : starts_at + 2 * seg_x2])
    ro_at = starts_at + 2 * seg_x2
    range_offsets = struct.unpack(f">{n}H", data[ro_at : ro_at + seg_x2])
    ranges: list[tuple[int, int]] = []
    for i in range(n):
        start, end, delta, ro = starts[i], ends[i], deltas[i], range_offsets[i]
        if start == 0xFFFF:
            continue
        if ro == 0:
            # Glyph = (cp + delta) mod 65536: only one code point can land on glyph 0.
            zero = (-delta) % 0x10000
            if start <= zero <= end:
                ranges.extend(r for r in ((start, zero - 1), (zero + 1, end)) if r[0] <= r[1])
            else:
                ranges.append((start, end))
            continue
        # The glyph ids live in glyphIdArray, addressed from this segment's idRangeOffset slot.
        slot = ro_at + 2 * i + ro
        glyphs = struct.unpack(f">{end - start + 1}H", data[slot : slot + 2 * (end - start + 1)])
        for k, g in enumerate(glyphs):
            if g != 0 and (g + delta) % 0x10000 != 0:
                ranges.append((start + k, start + k))
    return ranges


def _merge(ranges: list[tuple[int, int]]) -> Coverage:
    if not ranges:
        return EMPTY
    ranges.sort()
    starts = [ranges[0][0]]
    ends = [ranges[0][1]]
    for s, e in ranges[1:]:
        if s <= ends[-1] + 1:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return Coverage(tuple(starts), tuple(ends))
