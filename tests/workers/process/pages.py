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


def outlined_text(page: Page, words: str, origin: tuple[int, int], scale: float,
                  ink: tuple[int, int, int], rim: tuple[int, int, int], thickness: int = 3,
                  rim_px: int = 2) -> TextLine:
    """A line of letters in `ink` inside a `rim` of `rim_px` around every stroke (as
    titles and narration over art are lettered). Both colours are the glyph's; the line's
    box takes in the rim, as OCR sees it."""
    canvas = np.zeros(page.image.shape[:2], np.uint8)
    cv2.putText(canvas, words, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
    letters = canvas > 127
    size = 2 * rim_px + 1
    around = cv2.dilate(letters.astype(np.uint8),
                        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    page.image[around & ~letters] = rim
    page.image[letters] = ink
    ys, xs = np.nonzero(around)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    assert page.glyphs is not None
    page.glyphs |= around
    line = TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), words, 0.99, False)
    page.lines.append(line)
    return line


def dark_art(height: int, width: int, seed: int = 3) -> Page:
    """Dark shading with a few lighter strokes across it: the art behind a title."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 6)
    shade = 45 + 25 * noise / max(float(np.abs(noise).max()), 1e-6)
    image = np.repeat(shade[..., None], 3, 2).clip(0, 255).astype(np.uint8)
    for x in range(-height, width, 37):
        cv2.line(image, (x, height), (x + height // 2, 0), (110, 110, 110), 1, cv2.LINE_AA)
    return Page(image)


def paper(height: int, width: int, colour: tuple[int, int, int] = (232, 226, 208),
          grain: float = 8.0, seed: int = 5) -> Page:
    """A printed page's paper: an off-white with grain, as a scan shows it."""
    rng = np.random.default_rng(seed)
    image = np.array(colour, np.float32) + rng.normal(0, grain, (height, width, 1))
    return Page(image.clip(0, 255).astype(np.uint8))


def coloured_rectangle(page: Page, box: Box, fill: tuple[int, int, int],
                       ink: int = 20, thickness: int = 2) -> None:
    """A caption box: a coloured fill inside a dark border (the border is `outline`)."""
    x0, y0, x1, y1 = box
    before = page.image.copy()
    cv2.rectangle(page.image, (x0, y0), (x1 - 1, y1 - 1), (ink, ink, ink), -1)
    page.image[y0 + thickness: y1 - thickness, x0 + thickness: x1 - thickness] = fill
    assert page.outline is not None
    border = np.zeros(page.image.shape[:2], bool)
    border[y0:y1, x0:x1] = True
    border[y0 + thickness: y1 - thickness, x0 + thickness: x1 - thickness] = False
    page.outline |= _mark(page, page.image, before) & border


def add_grain(page: Page, sigma: float = 8.0, seed: int = 7) -> None:
    """Scanner grain over everything drawn so far."""
    rng = np.random.default_rng(seed)
    noisy = page.image.astype(np.float32) + rng.normal(0, sigma, (*page.image.shape[:2], 1))
    page.image[:] = noisy.clip(0, 255).astype(np.uint8)
