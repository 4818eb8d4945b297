"""Pages drawn for the analysis and erasing tests: bubbles, captions, screentone, text.

Every drawing also returns masks of what it drew (outline, glyphs), so a test can check
exactly which pixels the erasing may touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Box, Image, TextLine

Bool = npt.NDArray[np.bool_]
FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass
class Page:
    image: Image
    lines: list[TextLine] = field(default_factory=list)
    glyphs: Bool | None = None
    outline: Bool | None = None

    def __post_init__(self) -> None:
        h, w = self.image.shape[:2]
        if self.glyphs is None:
            self.glyphs = np.zeros((h, w), bool)
        if self.outline is None:
            self.outline = np.zeros((h, w), bool)


def blank(height: int, width: int, colour: int = 255) -> Page:
    return Page(np.full((height, width, 3), colour, np.uint8))


def screentone(height: int, width: int, period: int = 6, radius: int = 1) -> Page:
    """Grey dots on white, as printed manga tone."""
    image = np.full((height, width, 3), 255, np.uint8)
    for y in range(period // 2, height, period):
        for x in range(period // 2 + (y // period % 2) * period // 2, width, period):
            cv2.circle(image, (x, y), radius, (90, 90, 90), -1, cv2.LINE_AA)
    return Page(image)


def gradient(height: int, width: int) -> Page:
    ramp = np.linspace(60, 230, width, dtype=np.float32)
    image = np.repeat(np.repeat(ramp[None, :, None], height, 0), 3, 2).astype(np.uint8)
    return Page(image)


def _mark(page: Page, drawn: Image, before: Image) -> Bool:
    changed: Bool = np.abs(drawn.astype(np.int16) - before.astype(np.int16)).max(axis=2) > 0
    return changed


def ellipse(page: Page, centre: tuple[int, int], axes: tuple[int, int],
            fill: int = 255, ink: int = 0, thickness: int = 3,
            tail: tuple[tuple[int, int], ...] = ()) -> None:
    """A speech bubble: filled ellipse, outline, and an optional tail (a triangle whose
    base lies inside the ellipse)."""
    before = page.image.copy()
    shape = np.zeros(page.image.shape[:2], np.uint8)
    cv2.ellipse(shape, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_8)
    if tail:
        cv2.fillPoly(shape, [np.array(tail, np.int32)], 255)
    outline = cv2.dilate(shape, np.ones((3, 3), np.uint8), iterations=thickness) > 0
    outline &= shape == 0
    page.image[outline] = ink
    page.image[shape > 0] = fill
    assert page.outline is not None
    page.outline |= _mark(page, page.image, before) & outline


def rectangle(page: Page, box: Box, fill: int = 255, ink: int = 0, thickness: int = 2) -> None:
    x0, y0, x1, y1 = box
    before = page.image.copy()
    cv2.rectangle(page.image, (x0, y0), (x1 - 1, y1 - 1), (ink, ink, ink), -1)
    page.image[y0 + thickness: y1 - thickness, x0 + thickness: x1 - thickness] = fill
    assert page.outline is not None
    page.outline |= _mark(page, page.image, before) & (page.image[..., 0] == ink)


def text(page: Page, words: str, origin: tuple[int, int], scale: float = 0.9,
         ink: int = 0, thickness: int = 2) -> TextLine:
    """One line of text with its baseline at `origin`; returns the line as OCR would read
    it (a tight box around the glyphs)."""
    before = page.image.copy()
    cv2.putText(page.image, words, origin, FONT, scale, (ink, ink, ink), thickness, cv2.LINE_AA)
    drawn = _mark(page, page.image, before)
    ys, xs = np.nonzero(drawn)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    assert page.glyphs is not None
    page.glyphs |= drawn
    line = TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), words, 0.99, False)
    page.lines.append(line)
    return line


def ellipse_mask(shape: tuple[int, int], centre: tuple[int, int],
                 axes: tuple[int, int]) -> Bool:
    out = np.zeros(shape, np.uint8)
    cv2.ellipse(out, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_8)
    return out > 0


def polygon_mask(shape: tuple[int, int], polygon: tuple[tuple[int, int], ...]) -> Bool:
    out = np.zeros(shape, np.uint8)
    cv2.fillPoly(out, [np.array(polygon, np.int32)], 255)
    return out > 0


def boundary_distance(a: Bool, b: Bool) -> float:
    """The largest distance from a boundary pixel of one mask to the other's boundary
    (Hausdorff distance of the outlines)."""

    def edge(m: Bool) -> Bool:
        eroded = cv2.erode(m.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        out: Bool = m & ~eroded
        return out

    ea, eb = edge(a), edge(b)
    da = cv2.distanceTransform((~eb).astype(np.uint8), cv2.DIST_L2, 5)
    db = cv2.distanceTransform((~ea).astype(np.uint8), cv2.DIST_L2, 5)
    return float(max(da[ea].max(), db[eb].max()))
