"""Where and how LaMa runs: device, precision, CPU threads, batch sizes.

Pure decisions, kept apart from the model so they can be tested without building it.
"""

from __future__ import annotations

import logging

import torch

from workers.config import Precision
from workers.cores import available
from workers.errors import MissingExtra
from workers.inpaint.batched import CPU_PIXEL_BUDGET, MAX_BATCH, plan_batches

__all__ = ["CPU_PIXEL_BUDGET", "MAX_BATCH", "configure_threads", "parse_device",
           "pixel_budget", "plan_batches", "resolve_precision"]

log = logging.getLogger(__name__)

# Peak memory of one forward pass per input pixel, measured on the CPU in float32 (about
# 1.4 kB/px at 256 and 512 px), rounded up. Under autocast most activations are 2 bytes, but
# the spectral parts stay in float32.
BYTES_PER_PIXEL = {torch.float32: 1600, torch.bfloat16: 1000, torch.float16: 1000}
# Share of the GPU memory that is free at planning time one batch may use; the rest covers
# the allocator's fragmentation, cuDNN workspaces and a neighbour process.
CUDA_FREE_SHARE = 0.4


def parse_device(device: str) -> torch.device:
    """`cpu`, `cuda` or `cuda:N`; MissingExtra when CUDA is asked for but absent."""
    dev = torch.device(device)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise MissingExtra(
                f"device {device!r} needs a CUDA build of torch {torch.__version__} and a GPU; "
                "install the CUDA build (README, 'GPU') or use --device cpu"
            )
        if dev.index is None:
            dev = torch.device("cuda", torch.cuda.current_device())
    elif dev.type != "cpu":
        raise ValueError(f"unsupported device {device!r}: use cpu or cuda:N")
    return dev


def resolve_precision(
    precision: Precision, device: torch.device, *, bf16_supported: bool | None = None
) -> torch.dtype:
    """The autocast dtype for `precision` on `device` (float32 = no autocast).

    The setting is for GPUs: the CPU always runs float32, as CPUs without native bf16/fp16
    arithmetic (most) run half precision many times slower. `auto` on a GPU: bfloat16 where
    supported, else float16. The weights always stay float32: converting them darkens
    LaMa's output.
    """
    if device.type == "cpu":
        if precision in ("fp16", "bf16"):
            log.warning("precision %s applies to CUDA; LaMa runs fp32 on the CPU", precision)
        return torch.float32
    if precision == "fp32":
        return torch.float32
    if precision == "fp16":
        return torch.float16
    if bf16_supported is None:
        bf16_supported = torch.cuda.is_bf16_supported()
    if precision == "bf16" and not bf16_supported:
        log.warning("this GPU has no bf16; running LaMa in fp16")
    return torch.bfloat16 if bf16_supported else torch.float16


def configure_threads(threads: int) -> int:
    """Give torch `threads` CPU threads (0: the cores this process may run on). Returns the
    number set. torch's own default counts every core of the machine, which oversubscribes a
    container or a process pinned to a few cores."""
    if threads <= 0:
        threads = available()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def pixel_budget(device: torch.device, dtype: torch.dtype) -> int:
    """How many input pixels one batch may hold on `device`."""
    if device.type != "cuda":
        return CPU_PIXEL_BUDGET
    free, _total = torch.cuda.mem_get_info(device)
    return max(256 * 256, int(free * CUDA_FREE_SHARE) // BYTES_PER_PIXEL[dtype])
