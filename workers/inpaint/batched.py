"""`BatchedInpainter`: what every inpainting model shares, so a new one only runs a batch.

The base class checks the items, skips crops with nothing to fill, pads each crop
(mirrored image, unmasked border) to the model's multiple, groups crops of equal padded
shape into batches within a pixel budget, and pastes the model's output back only inside
each mask, so callers get exactly their input everywhere else. A learned model gets each
crop denoised and scaled by the item's `scale` (and its output scaled back); a model that
copies patches (`full_resolution`) gets the crop as it is. When a batch does not fit in
the accelerator's memory (`oom_errors`) it is halved and retried; a single crop that still
does not fit runs on the CPU (`run_batch(..., on_cpu=True)`), with a warning.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Literal

import cv2
import numpy as np

from workers.inpaint.base import InpaintItem
from workers.inpaint.crops import shrink
from workers.types import Image, Mask, u8

log = logging.getLogger(__name__)

# On the CPU a batch saves little time over single items, so memory decides: ~1 Mpx.
CPU_PIXEL_BUDGET = 1 << 20
MAX_BATCH = 16


def padded_shape(height: int, width: int, multiple: int = 8,
                 min_side: int = 16) -> tuple[int, int]:
    """The shape a crop of `height` x `width` is padded to before the model sees it."""

    def side(n: int) -> int:
        return max(min_side, -(-n // multiple) * multiple)

    return side(height), side(width)


def pad_item(image: Image, mask: Mask, shape: tuple[int, int]) -> tuple[Image, Mask]:
    """Pad bottom/right to `shape`: mirrored image content (no hard edge for the model to
    continue) and an unmasked border."""
    dh, dw = shape[0] - image.shape[0], shape[1] - image.shape[1]
    if dh == 0 and dw == 0:
        return image, mask
    # numpy's reflect needs two pixels to mirror; a one-pixel side can only be repeated.
    mode: Literal["reflect", "edge"] = "reflect" if min(image.shape[:2]) > 1 else "edge"
    img = np.pad(image, ((0, dh), (0, dw), (0, 0)), mode=mode)
    msk = np.pad(mask, ((0, dh), (0, dw)), mode="constant")
    return img.astype(np.uint8, copy=False), msk.astype(np.uint8, copy=False)


def paste_masked(original: Image, filled: Image, mask: Mask) -> Image:
    """`filled` inside the mask, `original` everywhere else."""
    out: Image = np.where((mask > 127)[..., None], filled, original).astype(np.uint8)
    return out


def plan_batches(shapes: Sequence[tuple[int, int]], budget_px: int,
                 max_batch: int = MAX_BATCH) -> list[list[int]]:
    """Indices of `shapes` grouped into batches: equal shapes only (one tensor per batch),
    each batch within `budget_px` pixels and `max_batch` items; an item larger than the budget
    goes alone. Groups come in first-appearance order, so the first items finish first."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, shape in enumerate(shapes):
        groups.setdefault(shape, []).append(i)
    batches: list[list[int]] = []
    for (h, w), indices in groups.items():
        size = max(1, min(max_batch, budget_px // max(1, h * w)))
        batches += [indices[j: j + size] for j in range(0, len(indices), size)]
    return batches


def check_item(index: int, item: InpaintItem) -> None:
    image, mask = item.image, item.mask
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"item {index}: image must be (H, W, 3) uint8, got {image.shape}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"item {index}: mask {mask.shape} does not match {image.shape[:2]}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"item {index}: empty image")


class BatchedInpainter(ABC):
    """An `Inpainter` that runs a model on batches of equal-shaped padded crops."""

    name: str
    # Padded sides are multiples of this, and at least `min_side`.
    multiple: ClassVar[int] = 8
    min_side: ClassVar[int] = 16
    # Exceptions that mean "out of accelerator memory" (none for CPU-only models).
    oom_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    # Patch-copying models want the crops untouched: see `workers.inpaint.crops`.
    full_resolution: ClassVar[bool] = False
    max_batch: int = MAX_BATCH

    @abstractmethod
    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        """The model's output for equal-shaped padded crops (masks: 255 = fill). `on_cpu`:
        the accelerator had no room for even one crop; run it on the CPU."""

    def batch_pixels(self) -> int:
        """How many input pixels one batch may hold."""
        return CPU_PIXEL_BUDGET

    def release_memory(self) -> None:  # noqa: B027 - most models hold no cache to free
        """Called after an out-of-memory error, before retrying with a smaller batch."""

    def inpaint(self, items: Sequence[InpaintItem]) -> list[Image]:
        for i, item in enumerate(items):
            check_item(i, item)
        results: list[Image] = [item.image.copy() for item in items]
        # Crops with nothing to fill need no model time.
        todo = [i for i, item in enumerate(items) if (item.mask > 127).any()]
        if not todo:
            return results
        inputs = [self._model_input(items[i]) for i in todo]
        padded = [padded_shape(image.shape[0], image.shape[1], self.multiple, self.min_side)
                  for image, _ in inputs]
        for batch in plan_batches(padded, self.batch_pixels(), self.max_batch):
            shape = padded[batch[0]]
            pairs = [pad_item(*inputs[j], shape) for j in batch]
            outputs = self._run_adaptive([p[0] for p in pairs], [p[1] for p in pairs])
            for j, out in zip(batch, outputs, strict=True):
                item = items[todo[j]]
                h, w = inputs[j][0].shape[:2]
                filled = out[:h, :w]
                if filled.shape[:2] != item.image.shape[:2]:
                    size = (item.image.shape[1], item.image.shape[0])
                    filled = u8(cv2.resize(filled, size, interpolation=cv2.INTER_CUBIC))
                results[todo[j]] = paste_masked(item.image, filled, item.mask)
        return results

    def _model_input(self, item: InpaintItem) -> tuple[Image, Mask]:
        if self.full_resolution:
            return item.image, item.mask
        return shrink(item.image, item.mask, item.scale)

    def _run_adaptive(self, images: list[Image], masks: list[Mask]) -> list[Image]:
        """Run in sub-batches, halving on out-of-memory; a lone item that does not fit goes
        to the CPU."""
        size = len(images)
        done: list[Image] = []
        while len(done) < len(images):
            lo, hi = len(done), min(len(images), len(done) + size)
            try:
                done += self.run_batch(images[lo:hi], masks[lo:hi], False)
                continue
            except self.oom_errors:
                self.release_memory()
            if size > 1:
                size //= 2
                log.warning("%s out of GPU memory; retrying", self.name,
                            extra={"batch": size})
                continue
            log.warning("%s out of GPU memory for one crop; running it on the CPU", self.name,
                        extra={"shape": list(images[lo].shape[:2])})
            done += self.run_batch(images[lo:hi], masks[lo:hi], True)
        return done
