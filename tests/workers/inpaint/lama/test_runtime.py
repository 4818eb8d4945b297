from __future__ import annotations

import pytest
import torch

from workers.config import Precision
from workers.errors import MissingExtra
from workers.inpaint.lama.runtime import (
    configure_threads,
    parse_device,
    plan_batches,
    resolve_precision,
)

CPU = torch.device("cpu")
GPU = torch.device("cuda", 0)


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        ("auto", torch.float32),
        ("fp32", torch.float32),
        ("bf16", torch.float32),
        ("fp16", torch.float32),
    ],
)
def test_precision_on_the_cpu(precision: Precision, expected: torch.dtype) -> None:
    assert resolve_precision(precision, CPU) == expected


@pytest.mark.parametrize(
    ("precision", "bf16", "expected"),
    [
        ("auto", True, torch.bfloat16),
        ("auto", False, torch.float16),
        ("fp32", True, torch.float32),
        ("fp16", True, torch.float16),
        ("bf16", True, torch.bfloat16),
        ("bf16", False, torch.float16),
    ],
)
def test_precision_on_a_gpu(precision: Precision, bf16: bool, expected: torch.dtype) -> None:
    assert resolve_precision(precision, GPU, bf16_supported=bf16) == expected


def test_batches_group_equal_shapes_within_the_budget() -> None:
    shapes = [(64, 64), (32, 32), (64, 64), (64, 64), (32, 32), (64, 64)]
    assert plan_batches(shapes, budget_px=64 * 64 * 2) == [[0, 2], [3, 5], [1, 4]]
    assert plan_batches(shapes, budget_px=10**9, max_batch=3) == [[0, 2, 3], [5], [1, 4]]
    # Larger than the budget: alone, never skipped.
    assert plan_batches([(512, 512)], budget_px=1) == [[0]]


def test_devices() -> None:
    assert parse_device("cpu") == CPU
    with pytest.raises(ValueError, match="unsupported"):
        parse_device("mps")
    if not torch.cuda.is_available():
        with pytest.raises(MissingExtra, match="CUDA"):
            parse_device("cuda:0")


def test_threads() -> None:
    before = torch.get_num_threads()
    try:
        assert configure_threads(1) == 1
        assert torch.get_num_threads() == 1
        assert configure_threads(0) >= 1
    finally:
        torch.set_num_threads(before)
