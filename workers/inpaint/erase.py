"""Erasing the text: flat fill where the background is one colour (`workers.inpaint.fills`),
the model elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

from workers.inpaint.base import Inpainter, InpaintItem
from workers.inpaint.crops import paste, to_model_size
from workers.inpaint.fills import apply_fills
from workers.types import Crop, Image

__all__ = ["apply_fills", "inpaint_crops"]


def inpaint_crops(target: Image, crops: Sequence[Crop], inpainter: Inpainter) -> None:
    """Run the model over the crops and paste the results into `target` in place."""
    if not crops:
        return
    items = [InpaintItem(*to_model_size(c)) for c in crops]
    for crop, filled in zip(crops, inpainter.inpaint(items), strict=True):
        paste(target, crop, filled)
