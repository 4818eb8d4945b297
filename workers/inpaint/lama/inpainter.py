"""`LamaInpainter`: big-lama behind the `BatchedInpainter` base (padding to multiples of 8,
batching by shape, out-of-memory halving, CPU fallback and paste-back live there).

A batch runs under `inference_mode` and, on a GPU, autocast in bf16/fp16 (the FFT parts stay
fp32, see `ffc.FourierUnit`). The CPU fallback uses a CPU copy of the weights, made the first
time a crop does not fit on the GPU.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from workers.config import Precision
from workers.inpaint.batched import BatchedInpainter, pad_item, padded_shape, paste_masked
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
    resolve_precision,
)
from workers.types import Image, Mask

__all__ = ["LamaInpainter", "pad_item", "padded_shape", "paste_masked"]

log = logging.getLogger(__name__)

_WARMUP_SIDE = 64


class LamaInpainter(BatchedInpainter):
    """big-lama behind the `Inpainter` protocol. Build with `from_checkpoint` or `random`."""

    name = "lama"
    multiple = MULTIPLE
    min_side = MIN_SIDE
    oom_errors: ClassVar[tuple[type[BaseException], ...]] = (torch.cuda.OutOfMemoryError,)

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

    def batch_pixels(self) -> int:
        return self._max_batch_pixels or pixel_budget(self.device, self.dtype)

    def release_memory(self) -> None:
        torch.cuda.empty_cache()

    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        if on_cpu:
            return self._forward(images, masks, self._cpu_model(), torch.device("cpu"))
        return self._forward(images, masks, self._generator, self.device)

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

