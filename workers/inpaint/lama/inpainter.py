"""`LamaInpainter`: the `Inpainter` that runs big-lama on crops.

Each crop is padded (reflect) to a multiple of 8 and at least 16 px a side, crops of equal
padded shape are batched, the batch runs under `inference_mode` and, on a GPU, autocast in
bf16/fp16 (the FFT parts stay fp32, see `ffc.FourierUnit`). Results are cropped back and the
original pixels are restored outside the mask, so callers get exactly their input there.

On CUDA out-of-memory the batch is halved and retried; a single crop that still does not fit
runs on the CPU, with a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from workers.config import Precision
from workers.inpaint.base import InpaintItem
from workers.inpaint.lama.model import (
    MIN_SIDE,
    MULTIPLE,
    LamaGenerator,
    build_generator,
    load_generator,
)
from workers.inpaint.lama.runtime import (
    MAX_BATCH,
    configure_threads,
    parse_device,
    pixel_budget,
    plan_batches,
    resolve_precision,
)
from workers.types import Image, Mask

log = logging.getLogger(__name__)

_WARMUP_SIDE = 64


def padded_shape(height: int, width: int) -> tuple[int, int]:
    """The shape a crop of `height` x `width` is padded to before the model sees it."""

    def side(n: int) -> int:
        return max(MIN_SIDE, -(-n // MULTIPLE) * MULTIPLE)

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


class LamaInpainter:
    """big-lama behind the `Inpainter` protocol. Build with `from_checkpoint` or `random`."""

    name = "lama"

    def __init__(
        self,
        generator: LamaGenerator,
        *,
        device: str = "cpu",
        precision: Precision = "auto",
        threads: int = 0,
        max_batch_pixels: int | None = None,
        max_batch: int = MAX_BATCH,
        warmup: bool = True,
    ) -> None:
        self.threads = configure_threads(threads)
        self.device = parse_device(device)
        self.dtype = resolve_precision(precision, self.device)
        self.max_batch = max_batch
        self._max_batch_pixels = max_batch_pixels
        self._generator = generator.eval().requires_grad_(False).to(self.device)
        self._cpu_generator: LamaGenerator | None = (
            self._generator if self.device.type == "cpu" else None
        )
        self._cpu_lock = threading.Lock()
        if warmup:
            self._warm_up()

    @classmethod
    def from_checkpoint(
        cls,
        path: Path,
        *,
        device: str = "cpu",
        precision: Precision = "auto",
        threads: int = 0,
        warmup: bool = True,
    ) -> LamaInpainter:
        """Load a published big-lama checkpoint (ModelMissing if it is not one)."""
        return cls(
            load_generator(path), device=device, precision=precision, threads=threads, warmup=warmup
        )

    @classmethod
    def random(
        cls,
        *,
        seed: int = 0,
        device: str = "cpu",
        precision: Precision = "auto",
        threads: int = 0,
        warmup: bool = True,
    ) -> LamaInpainter:
        """The real architecture with seeded random weights: the real cost, meaningless
        output. For benchmarks where the weights cannot be downloaded."""
        return cls(
            build_generator(seed=seed),
            device=device,
            precision=precision,
            threads=threads,
            warmup=warmup,
        )

    def _warm_up(self) -> None:
        # The first forward pays for kernel selection and allocator growth; do it at load,
        # not inside the first user's request.
        t0 = time.perf_counter()
        image = np.zeros((_WARMUP_SIDE, _WARMUP_SIDE, 3), np.uint8)
        mask = np.zeros((_WARMUP_SIDE, _WARMUP_SIDE), np.uint8)
        mask[16:48, 16:48] = 255
        self._forward([image], [mask], self._generator, self.device)
        log.info(
            "lama ready",
            extra={
                "device": str(self.device),
                "dtype": str(self.dtype),
                "warmup_ms": round((time.perf_counter() - t0) * 1000),
            },
        )

    def inpaint(self, items: Sequence[InpaintItem]) -> list[Image]:
        for i, item in enumerate(items):
            _check_item(i, item)
        results: list[Image] = [item.image.copy() for item in items]
        # Crops with nothing to fill need no model time.
        todo = [i for i, item in enumerate(items) if (item.mask > 127).any()]
        if not todo:
            return results
        padded = [padded_shape(*items[i].image.shape[:2]) for i in todo]
        budget = self._max_batch_pixels or pixel_budget(self.device, self.dtype)
        for batch in plan_batches(padded, budget, self.max_batch):
            shape = padded[batch[0]]
            chosen = [items[todo[j]] for j in batch]
            pairs = [pad_item(item.image, item.mask, shape) for item in chosen]
            outputs = self._run_adaptive([p[0] for p in pairs], [p[1] for p in pairs])
            for j, item, out in zip(batch, chosen, outputs, strict=True):
                h, w = item.image.shape[:2]
                results[todo[j]] = paste_masked(item.image, out[:h, :w], item.mask)
        return results

    def _run_adaptive(self, images: list[Image], masks: list[Mask]) -> list[Image]:
        """Run in sub-batches, halving on CUDA OOM; a lone item that does not fit goes to
        the CPU."""
        size = len(images)
        done: list[Image] = []
        while len(done) < len(images):
            lo, hi = len(done), min(len(images), len(done) + size)
            try:
                done += self._forward(images[lo:hi], masks[lo:hi], self._generator, self.device)
                continue
            except torch.cuda.OutOfMemoryError:
                torch.cuda.empty_cache()
            if size > 1:
                size //= 2
                log.warning("lama out of GPU memory; retrying", extra={"batch": size})
                continue
            log.warning(
                "lama out of GPU memory for one crop; running it on the CPU",
                extra={"shape": list(images[lo].shape[:2])},
            )
            done += self._forward(
                images[lo:hi], masks[lo:hi], self._cpu_model(), torch.device("cpu")
            )
        return done

    def _cpu_model(self) -> LamaGenerator:
        with self._cpu_lock:
            if self._cpu_generator is None:
                with torch.device("meta"):
                    cpu = LamaGenerator(self._generator.n_blocks)
                state = {k: v.to("cpu") for k, v in self._generator.state_dict().items()}
                cpu.load_state_dict(state, strict=True, assign=True)
                self._cpu_generator = cpu.eval().requires_grad_(False)
            return self._cpu_generator

    def _forward(
        self,
        images: list[Image],
        masks: list[Mask],
        generator: LamaGenerator,
        device: torch.device,
    ) -> list[Image]:
        dtype = self.dtype if device == self.device else torch.float32
        with torch.inference_mode():
            img = torch.from_numpy(np.stack(images)).to(device, non_blocking=True)
            msk = torch.from_numpy(np.stack(masks)).to(device, non_blocking=True)
            image_t = img.permute(0, 3, 1, 2).float().div_(255.0)
            mask_t = (msk > 127).unsqueeze(1).float()
            with torch.autocast(
                device_type=device.type, dtype=dtype, enabled=dtype != torch.float32
            ):
                out: Tensor = generator(image_t, mask_t)
            out_u8 = out.float().mul_(255.0).round_().clamp_(0, 255).to(torch.uint8)
            array = out_u8.permute(0, 2, 3, 1).cpu().numpy()
        return [np.ascontiguousarray(a) for a in array]


def _check_item(index: int, item: InpaintItem) -> None:
    image, mask = item.image, item.mask
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"item {index}: image must be (H, W, 3) uint8, got {image.shape}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"item {index}: mask {mask.shape} does not match {image.shape[:2]}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"item {index}: empty image")
