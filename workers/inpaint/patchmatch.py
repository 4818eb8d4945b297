"""PatchMatch inpainting (PyPatchMatch, MIT; its wheels ship the compiled library): the
default where no LaMa weights are. It fills each hole with patches copied from around it,
so screentone stays screentone and hatching stays hatching, where OpenCV's Telea smears
(white X-shaped streaks across big lettering). It copies only from the panel the hole lies
in (`panel_holes`): a crop often spans a panel border.

Imported only when chosen: the registry falls back to OpenCV when the package or its
native library is missing.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import numpy.typing as npt
import patchmatch

from workers.errors import MissingExtra
from workers.inpaint.batched import BatchedInpainter
from workers.types import Image, Mask, u8

Bool = npt.NDArray[np.bool_]

# Radius of the compared patches (7x7): big enough to follow a tone's dot pattern, small
# enough for thin holes around glyph strokes. Larger radii cost quadratically more.
PATCH_RADIUS = 3
# The search is randomised; a fixed seed makes a page come out the same every time.
SEED = 0
# A panel border: pixels darker than this in a straight run along an axis this many
# pixels long (or, in a smaller crop, this share of its side).
BORDER_DARK = 100
BORDER_RUN_PX = 80
BORDER_SHARE = 0.8
# A panel must hold this many times its part of the hole to copy from.
MIN_SOURCE_SHARE = 2.0
# Around its part of the hole, a panel is inpainted in a box this much bigger.
PANEL_MARGIN = 24


class PatchMatchInpainter(BatchedInpainter):
    name = "patchmatch"
    # PatchMatch takes any shape: no padding.
    multiple = 1
    min_side = 1
    full_resolution = True

    def __init__(self, patch_radius: int = PATCH_RADIUS) -> None:
        if not patchmatch.patchmatch_available:
            raise MissingExtra("PyPatchMatch's native library did not load; reinstall the "
                               "`pypatchmatch` wheel, or choose --inpainter opencv")
        self.patch_radius = patch_radius
        # The seed and the native code's state are process-wide.
        self._lock = threading.Lock()

    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        out: list[Image] = []
        with self._lock:
            for image, mask in zip(images, masks, strict=True):
                filled = image.copy()
                for box, hole, other in panel_holes(image, mask > 127):
                    x0, y0, x1, y1 = box
                    patchmatch.set_random_seed(SEED)
                    done = u8(patchmatch.inpaint(filled[y0:y1, x0:x1], hole,
                                                 global_mask=other,
                                                 patch_size=self.patch_radius))
                    filled[y0:y1, x0:x1][hole] = done[hole]
                out.append(filled)
        return out


Part = tuple[tuple[int, int, int, int], Bool, Bool | None]


def panel_holes(image: Image, hole: Bool) -> list[Part]:
    """The hole in parts, one per panel it lies in, each with the box to inpaint it in and
    the pixels there PatchMatch must not copy from (those past a panel border, and the
    border itself): the panel beside the text is drawn otherwise (hatching beside
    screentone), and its patches would show as a square of the wrong texture; a hole
    reaching up to the border matched the border's patches best at its edge, and came out
    with the border's dark lines copied into it as bars. A border is a long straight dark
    line along an axis. The part of the hole on a border, or in a panel too small to copy
    from, is filled last from the whole crop (a border under the lettering is drawn on
    through it)."""
    height, width = hole.shape
    whole: Part = ((0, 0, width, height), hole, None)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    # (The hole's own pixels are the lettering's: no border.)
    dark = ((grey < BORDER_DARK) & ~hole).astype(np.uint8)
    borders = np.zeros(hole.shape, bool)
    for shape in ((1, min(BORDER_RUN_PX, round(BORDER_SHARE * width))),
                  (min(BORDER_RUN_PX, round(BORDER_SHARE * height)), 1)):
        borders |= cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones(shape, np.uint8)) > 0
    if not borders.any():
        return [whole]
    lines = cv2.dilate(borders.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    count, labels = cv2.connectedComponents((~lines).astype(np.uint8), connectivity=4)
    if count <= 2:
        return [whole]
    parts: list[Part] = []
    left = hole.copy()
    for label in np.unique(labels[hole & ~lines]):
        panel = labels == label
        own = hole & panel
        if (panel & ~hole).sum() < MIN_SOURCE_SHARE * own.sum():
            continue
        # The hole's pixels on the border beside this panel go with it.
        beside = cv2.dilate(panel.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        own |= hole & lines & beside
        own &= left
        ys, xs = np.nonzero(own)
        x0, y0 = max(0, int(xs.min()) - PANEL_MARGIN), max(0, int(ys.min()) - PANEL_MARGIN)
        x1 = min(width, int(xs.max()) + 1 + PANEL_MARGIN)
        y1 = min(height, int(ys.max()) + 1 + PANEL_MARGIN)
        box = np.s_[y0:y1, x0:x1]
        other = (~panel[box] | lines[box]) & ~own[box]
        parts.append(((x0, y0, x1, y1), own[box], other if other.any() else None))
        left &= ~own
    if left.any():
        parts.append(((0, 0, width, height), left, None))
    return parts
