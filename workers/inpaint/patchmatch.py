"""PatchMatch inpainting (PyPatchMatch, MIT; its wheels ship the compiled library): the
default where no LaMa weights are. It fills each hole with patches copied from around it,
so screentone stays screentone and hatching stays hatching, where OpenCV's Telea smears
(white X-shaped streaks across big lettering).

Imported only when chosen: the registry falls back to OpenCV when the package or its
native library is missing.
"""

from __future__ import annotations

import threading

import patchmatch

from workers.errors import MissingExtra
from workers.inpaint.batched import BatchedInpainter
from workers.types import Image, Mask, u8

# Radius of the compared patches (7x7): big enough to follow a tone's dot pattern, small
# enough for thin holes around glyph strokes. Larger radii cost quadratically more.
PATCH_RADIUS = 3
# The search is randomised; a fixed seed makes a page come out the same every time.
SEED = 0


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
                patchmatch.set_random_seed(SEED)
                out.append(u8(patchmatch.inpaint(image, mask > 127,
                                                 patch_size=self.patch_radius)))
        return out
