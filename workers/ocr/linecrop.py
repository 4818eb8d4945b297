"""One text line, cut out for a recognizer that reads a line at a time.

A detector's line box is padded around the glyphs, and on tightly set pages (webtoon bubbles
with 1.2x line spacing) the padding takes in the bottoms of the line above and the tops of
the line below, or an arc of the bubble outline. PP-OCR's recognizers shrug that off;
Tesseract reads the slivers as extra glyphs or gives up on the whole line. So before a line
is read, the ink components that are plainly not part of it are painted out:

- a component touching the top or bottom edge (not both) and shorter than half the crop:
  the rest of a neighbouring line;
- a thin component touching the left or right edge and taller than half the crop: a bubble
  outline or a panel border.

The result is grey, dark letters on a light ground (light-on-dark lines are inverted), with
a margin of background around it: Tesseract's line finder wants some blank space.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Image, u8

Gray = npt.NDArray[np.uint8]

# A sliver of a neighbouring line is at most this share of the crop's height.
SLIVER_HEIGHT = 0.5
# An outline arc is at most this thin (share of the crop's height) and at least this tall.
ARC_WIDTH = 0.25
ARC_HEIGHT = 0.5
# A crop whose grey levels span less than this holds no lettering.
MIN_CONTRAST = 40


def to_gray(crop: Image) -> Gray:
    return u8(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY))


def ink_mask(gray: Gray) -> tuple[npt.NDArray[np.bool_], bool]:
    """(ink pixels, whether the ground is light). The ground is the colour most of the
    crop's border has after Otsu's threshold: a line box is mostly margin at its edges."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([bw[0], bw[-1], bw[:, 0], bw[:, -1]])
    light = bool((border > 0).mean() >= 0.5)
    return (bw == 0) if light else (bw > 0), light


def _strays(ink: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The components that belong to a neighbour or an outline (see the module's doc)."""
    height, width = ink.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8),
                                                               connectivity=8)
    stray = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        top, bottom = y == 0, y + h >= height
        left, right = x == 0, x + w >= width
        sliver = top != bottom and h < SLIVER_HEIGHT * height
        arc = (left or right) and w < ARC_WIDTH * height and h > ARC_HEIGHT * height
        stray[i] = sliver or arc
    per_pixel: npt.NDArray[np.bool_] = stray[labels]
    return per_pixel


def isolate_line(crop: Image, scale: float = 1.0, margin: float = 0.25) -> Gray:
    """The line as dark-on-light grey, `scale`d (cubic), strays painted with the ground
    colour, framed by `margin` x its height of ground on every side."""
    gray = to_gray(crop)
    if scale != 1.0:
        gray = u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    if min(gray.shape) < 4 or int(gray.max()) - int(gray.min()) < MIN_CONTRAST:
        # Nothing to read: a blank line of the ground's colour, so no reader makes
        # glyphs out of a threshold drawn through noise.
        return np.full((max(gray.shape[0], 4), max(gray.shape[1], 4)), 255, np.uint8)
    ink, light = ink_mask(gray)
    if not light:
        gray = u8(255 - gray)
    ground = int(np.median(gray[~ink])) if (~ink).any() else 255
    stray = _strays(ink)
    if stray.any():
        # Grown by a pixel: the anti-aliased rim of a sliver would survive as a grey speck.
        grown = cv2.dilate(stray.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        gray = gray.copy()
        gray[grown] = ground
    pad = max(2, round(gray.shape[0] * margin))
    return u8(cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=ground))
