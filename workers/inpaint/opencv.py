"""OpenCV's Telea inpainting: no model weights and no native extra, fine on thin text over
smooth art, smeary on screentone and on big lettering. The last resort, when neither LaMa's
weights nor PyPatchMatch are there."""

from __future__ import annotations

import cv2

from workers.inpaint.batched import BatchedInpainter
from workers.types import Image, Mask, u8


class OpenCVInpainter(BatchedInpainter):
    name = "opencv"
    multiple = 1
    min_side = 1
    # Telea interpolates from the hole's rim: full resolution keeps the rim sharp.
    full_resolution = True

    def __init__(self, radius: int = 5) -> None:
        self.radius = radius

    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        return [u8(cv2.inpaint(image, mask, self.radius, cv2.INPAINT_TELEA))
                for image, mask in zip(images, masks, strict=True)]
