"""Typed values that flow between the stages.

Images are RGB `uint8` arrays of shape (H, W, 3); masks are `uint8` arrays of shape (H, W)
holding 0 or 255. Coordinates are in pixels of the input image, boxes are (x0, y0, x1, y1)
with x1/y1 exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]
Direction = Literal["h", "v"]
EraseKind = Literal["fill", "model"]
SizeClass = Literal["long", "short"]
# What a block is on the page: text in a speech bubble, in a caption box, lettered straight
# on the art, or a sound effect (drawn lettering, usually left alone).
BlockKind = Literal["bubble", "caption", "art", "sfx"]
Point = tuple[int, int]
Polygon = tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line (or vertical column) of text as OCR read it."""

    polygon: tuple[tuple[float, float], ...]
    text: str
    score: float
    vertical: bool

    @property
    def bbox(self) -> Box:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return (int(min(xs)), int(min(ys)), round(max(xs)), round(max(ys)))

    @property
    def height(self) -> int:
        """The line's thickness across its reading direction: glyph size."""
        x0, y0, x1, y1 = self.bbox
        return (x1 - x0) if self.vertical else (y1 - y0)


@dataclass(frozen=True, slots=True)
class Bubble:
    """The enclosed region a block's text sits in (a speech bubble, a caption box): its
    interior, bounded by the outline and excluding it. `interior` covers `box` (255 inside);
    `polygon` is the interior's simplified outline in input pixels; `fill` its colour."""

    box: Box
    interior: Mask
    polygon: Polygon
    fill: RGB


@dataclass(slots=True)
class Block:
    """One speech bubble or caption: lines that are read together."""

    index: int
    bbox: Box
    lines: list[TextLine]
    direction: Direction
    erase: EraseKind = "model"
    background: RGB = (255, 255, 255)
    kind: BlockKind = "bubble"
    bubble: Bubble | None = None

    @property
    def source_text(self) -> str:
        sep = "" if self.direction == "v" or _is_cjk_text(self.lines) else " "
        return sep.join(line.text for line in self.lines).strip()

    @property
    def lettered_in(self) -> Bubble | None:
        """The bubble its translation is fitted into: its own, for a speech bubble or a
        caption. Text on a panel's white has the panel as its `bubble` (its erasing is
        clipped to it) but is lettered where it stands, like text on the art."""
        return self.bubble if self.kind in ("bubble", "caption") else None

    @property
    def line_height(self) -> float:
        if not self.lines:
            return 0.0
        return float(np.median([line.height for line in self.lines]))

    def region(self, width: int, height: int) -> Box:
        """The box plus half a line of margin: where this block's mask and its background
        can be, clipped to a page of the given size."""
        return grow_box(self.bbox, max(4, round(self.line_height * 0.5)), width, height)


def _is_cjk_text(lines: list[TextLine]) -> bool:
    """Text whose lines join without a space: Chinese and Japanese. Korean separates its
    words (eojeol) with spaces, so its lines join with one too."""
    text = "".join(line.text for line in lines)
    if not text:
        return False
    cjk = sum(1 for ch in text if is_cjk_char(ch) and not 0xAC00 <= ord(ch) <= 0xD7A3)
    return cjk * 2 > len(text)


def is_cjk_char(ch: str) -> bool:
    """Han, kana, hangul and CJK punctuation: scripts written without spaces between words
    (hangul is spaced, but breaks anywhere when needed, so it is wrapped the same way)."""
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF  # hangul syllables
        or 0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
    )


@dataclass(frozen=True, slots=True)
class PageText:
    """What `ocr` reads off a page: its lines, and the language whose recognizer read them
    (`--source auto` decides it per page before recognition; "" when no text was found)."""

    lines: list[TextLine]
    lang: str = ""
    # The reader that read them (detector + recognizer): part of what made the result.
    reader: str = ""


@dataclass(slots=True)
class PageLayout:
    """What `process` makes of a page: blocks in reading order and the glyph mask (the
    letters' strokes, grown over their anti-aliasing; 255 = erase)."""

    width: int
    height: int
    blocks: list[Block]
    mask: Mask
    source_lang: str
    analyser: str = ""


@dataclass(slots=True)
class Crop:
    """A region of the page that goes through an inpainter, with its own mask."""

    box: Box
    image: Image
    mask: Mask
    size_class: SizeClass
    block_indices: tuple[int, ...] = ()
    # The crop goes through the model scaled by this (<= 1): see workers.inpaint.crops.
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Erased:
    """The page with its text erased, and what erased it: "fill" when every block was a flat
    fill, else the inpainter's identity (name and weights)."""

    image: Image
    by: str = "fill"


@dataclass(frozen=True, slots=True)
class RenderedLine:
    """One lettered line: its text (with a hyphen drawn at a break) and its ink box."""

    text: str
    bbox: Box


@dataclass(frozen=True, slots=True)
class RenderedBlock:
    """What was lettered where: written to the JSON sidecar."""

    index: int
    bbox: Box
    direction: Direction
    source_text: str
    translation: str
    font_size: int
    fg: RGB
    erase: EraseKind
    outline: RGB | None = None
    overflow: bool = False
    kind: BlockKind = "bubble"
    bubble: Polygon | None = None
    lines: tuple[RenderedLine, ...] = ()
    # The translation would have needed a size under the readable floor: left unlettered.
    too_small: bool = False


@dataclass(slots=True)
class PageResult:
    """The finished page and what the sidecar says about it."""

    image: Image
    width: int
    height: int
    source: str
    target: str
    blocks: list[RenderedBlock]
    timings: dict[str, float] = field(default_factory=dict)
    # What made it, by role ("ocr", "analyser", "inpainter", "font", "translator"): the
    # results cache trusts an entry only while these are what would run now.
    used: dict[str, str] = field(default_factory=dict)


def u8(array: npt.NDArray[np.generic]) -> Image:
    """An array as uint8 without a copy when it already is (OpenCV's stubs type results
    loosely; this states what we know)."""
    return array.astype(np.uint8, copy=False)


def grow_box(box: Box, pad: int, width: int, height: int) -> Box:
    """`box` grown by `pad` on every side, clipped to a page of the given size."""
    x0, y0, x1, y1 = box
    return (max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad))


def union_box(boxes: Iterable[Box]) -> Box:
    """The smallest box holding all of `boxes` (at least one)."""
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


def box_area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def intersection(a: Box, b: Box) -> int:
    """The pixels two boxes share."""
    return box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a: Box, b: Box) -> float:
    """Intersection over union; 0 for two empty boxes."""
    inter = intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
