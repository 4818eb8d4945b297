"""OpenCV's Telea inpainting: no model weights, fine on thin text over smooth art, smeary on
screentone. The fallback when LaMa weights are not present."""

from __future__ import annotations

from collections.abc import Sequence

import cv2

from workers.inpaint.base import InpaintItem
from workers.types import Image, u8


class OpenCVInpainter:
    name = "opencv"

    def __init__(self, radius: int = 5) -> None:
        self.radius = radius

    def inpaint(self, items: Sequence[InpaintItem]) -> list[Image]:
        out: list[Image] = []
        for item in items:
            out.append(u8(cv2.inpaint(item.image, item.mask, self.radius, cv2.INPAINT_TELEA)))
        return out
