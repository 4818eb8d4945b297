"""The inpainter interface: fill the masked pixels of a batch of crops.

Callers (`workers.inpaint.compose`) cut crops around the masked blocks; an inpainter only ever
sees those crops, never the whole page, and may group equal-shaped items into batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workers.types import Image, Mask


@dataclass(frozen=True, slots=True)
class InpaintItem:
    """An RGB crop and its mask (255 = fill these pixels). `scale` (<= 1): a model that
    learned on small text may work on the crop scaled by this and return it at full size
    (`workers.inpaint.crops`); patch-copying models work at full size whatever it says."""

    image: Image
    mask: Mask
    scale: float = 1.0


class Inpainter(Protocol):
    """Returns one RGB uint8 array per item, of the item's shape. Pixels outside the mask may
    change; the caller pastes results back only inside the mask."""

    name: str

    def inpaint(self, items: Sequence[InpaintItem]) -> list[Image]: ...
