"""The shared inpainter machinery, with a fake model that records what it is given."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from workers.inpaint.base import InpaintItem
from workers.inpaint.batched import BatchedInpainter, padded_shape, plan_batches
from workers.types import Image, Mask


class FakeOom(Exception):
    pass


class Recorder(BatchedInpainter):
    """Paints every pixel 7; fails with FakeOom on batches larger than `fits`, and on single
    crops `fits_one` times out of ... as told."""

    name = "recorder"
    oom_errors = (FakeOom,)

    def __init__(self, fits: int = 99, single_fails: int = 0) -> None:
        self.fits = fits
        self.single_fails = single_fails
        self.calls: list[tuple[int, int, int, bool]] = []
        self.released = 0

    def run_batch(self, images: list[Image], masks: list[Mask], on_cpu: bool) -> list[Image]:
        h, w = images[0].shape[:2]
        self.calls.append((len(images), h, w, on_cpu))
        assert all(i.shape[:2] == (h, w) for i in images)
        if not on_cpu and (len(images) > self.fits or self.single_fails > 0):
            if len(images) == 1:
                self.single_fails -= 1
            raise FakeOom
        return [np.full_like(i, 7) for i in images]

    def release_memory(self) -> None:
        self.released += 1


def item(h: int, w: int, seed: int = 0, empty: bool = False) -> InpaintItem:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    if not empty:
        mask[h // 4: h // 2 + 1, w // 4: w // 2 + 1] = 255
    return InpaintItem(image, mask)


def test_padding_batching_and_paste_back() -> None:
    model = Recorder()
    items = [item(60, 60, 1), item(37, 53, 2), item(64, 64, 3, empty=True), item(62, 57, 4)]
    outs = model.inpaint(items)
    # 60x60 and 62x57 pad to 64x64 and share a batch; the empty mask costs nothing.
    assert model.calls == [(2, 64, 64, False), (1, 40, 56, False)]
    for it, out in zip(items, outs, strict=True):
        assert out.shape == it.image.shape
        inside = it.mask > 0
        assert np.array_equal(out[~inside], it.image[~inside])
        assert (out[inside] == 7).all()


def test_out_of_memory_halves_then_runs_one_crop_on_the_cpu(
        caplog: pytest.LogCaptureFixture) -> None:
    model = Recorder(fits=1, single_fails=1)
    items = [item(16, 16, i) for i in range(3)]
    with caplog.at_level(logging.WARNING):
        outs = model.inpaint(items)
    sizes = [(n, cpu) for n, _, _, cpu in model.calls]
    assert sizes == [(3, False), (1, False), (1, True), (1, False), (1, False)]
    assert model.released == 2
    assert all((o[i.mask > 0] == 7).all() for o, i in zip(outs, items, strict=True))
    assert any("on the CPU" in r.message for r in caplog.records)


def test_bad_items_are_refused() -> None:
    with pytest.raises(ValueError, match="does not match"):
        Recorder().inpaint([InpaintItem(np.zeros((8, 8, 3), np.uint8), np.zeros((4, 4), np.uint8))])
    assert Recorder().inpaint([]) == []


def test_plan_and_pad_shapes() -> None:
    assert padded_shape(5, 9) == (16, 16)
    assert padded_shape(5, 9, multiple=1, min_side=1) == (5, 9)
    assert plan_batches([(8, 8)] * 5, budget_px=128, max_batch=16) == [[0, 1], [2, 3], [4]]
