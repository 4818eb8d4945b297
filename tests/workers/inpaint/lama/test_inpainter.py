"""LamaInpainter end to end: a checkpoint in the published layout, served on 127.0.0.1,
downloaded, sha256-checked, loaded and run on small crops."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.inpaint.base import InpaintItem
from workers.inpaint.lama import LamaInpainter, load_lama
from workers.inpaint.lama.inpainter import pad_item, padded_shape, paste_masked
from workers.inpaint.lama.model import LamaGenerator, build_generator
from workers.models.download import resolve_weights
from workers.models.manifest import ModelEntry, get_entry
from workers.types import Image, Mask

from .conftest import FileServer


@pytest.fixture(scope="module")
def generator() -> LamaGenerator:
    return build_generator(seed=1)


@pytest.fixture(scope="module")
def checkpoint(generator: LamaGenerator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The layout of lama_large_512px.ckpt: the generator's state dict under gen_state_dict.
    path = tmp_path_factory.mktemp("published") / "lama_large_512px.ckpt"
    torch.save({"gen_state_dict": generator.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def checkpoint_sha256(checkpoint: Path) -> str:
    return hashlib.sha256(checkpoint.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def inpainter() -> LamaInpainter:
    # One residual block instead of 18: the same data path at a fraction of the CPU time.
    small = build_generator(seed=2, n_blocks=1)
    return LamaInpainter(small, device="cpu", precision="auto", threads=0, warmup=False)


def _item(h: int, w: int, seed: int = 0) -> InpaintItem:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4 : h // 2, w // 4 : w // 2] = 255
    return InpaintItem(image=image, mask=mask)


def _served_entry(server: FileServer, checkpoint: Path, sha256: str) -> ModelEntry:
    server.files["/lama_large_512px.ckpt"] = checkpoint
    return replace(
        get_entry("lama"),
        url=server.url("/lama_large_512px.ckpt"),
        sha256=sha256,
        size_bytes=checkpoint.stat().st_size,
        size_exact=True,
    )


def test_download_load_and_inpaint(
    file_server: FileServer,
    checkpoint: Path,
    checkpoint_sha256: str,
    generator: LamaGenerator,
    tmp_path: Path,
) -> None:
    entry = _served_entry(file_server, checkpoint, checkpoint_sha256)
    path = resolve_weights("lama", None, tmp_path, True, entry=entry, progress=False)
    assert path == tmp_path / "models" / "lama_large_512px.ckpt"
    lama = LamaInpainter.from_checkpoint(path, device="cpu", threads=0, warmup=False)
    key = "model.5.conv1.ffc.convg2g.fu.conv_layer.weight"
    assert torch.equal(lama._generator.state_dict()[key], generator.state_dict()[key])

    item = _item(64, 64)
    [out] = lama.inpaint([item])
    assert out.shape == (64, 64, 3)
    assert out.dtype == np.uint8
    outside = item.mask == 0
    assert np.array_equal(out[outside], item.image[outside])
    assert not np.array_equal(out[~outside], item.image[~outside])


def test_a_tampered_download_is_refused(
    file_server: FileServer, checkpoint: Path, tmp_path: Path
) -> None:
    entry = _served_entry(file_server, checkpoint, sha256="ab" * 32)
    with pytest.raises(ModelMissing, match="sha256"):
        resolve_weights("lama", None, tmp_path, True, entry=entry, progress=False)
    assert not (tmp_path / "models" / "lama_large_512px.ckpt").exists()


def test_odd_and_tiny_shapes_come_back_whole(inpainter: LamaInpainter) -> None:
    items = [_item(37, 53, 1), _item(5, 9, 2), _item(1, 20, 3)]
    outs = inpainter.inpaint(items)
    for item, out in zip(items, outs, strict=True):
        assert out.shape == item.image.shape
        assert out.dtype == np.uint8
        outside = item.mask == 0
        assert np.array_equal(out[outside], item.image[outside])
    assert inpainter.inpaint([]) == []


def test_equal_shapes_share_a_batch(
    inpainter: LamaInpainter, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, ...]] = []
    real = inpainter._forward

    def spy(
        images: list[Image], masks: list[Mask], gen: LamaGenerator, device: torch.device
    ) -> list[Image]:
        seen.append((len(images), *images[0].shape[:2]))
        return real(images, masks, gen, device)

    monkeypatch.setattr(inpainter, "_forward", spy)
    blank = InpaintItem(image=_item(64, 64).image, mask=np.zeros((64, 64), np.uint8))
    items = [_item(64, 64, 1), _item(40, 52, 2), blank, _item(64, 64, 3), _item(62, 60, 4)]
    outs = inpainter.inpaint(items)
    # 62x60 pads to 64x64 as well; the crop with an empty mask costs no model time.
    assert seen == [(3, 64, 64), (1, 40, 56)]
    assert [o.shape[:2] for o in outs] == [(64, 64), (40, 52), (64, 64), (64, 64), (62, 60)]
    assert np.array_equal(outs[2], blank.image)


def test_out_of_memory_halves_then_falls_back_to_the_cpu(
    inpainter: LamaInpainter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []
    real = inpainter._forward

    def flaky(
        images: list[Image], masks: list[Mask], gen: LamaGenerator, device: torch.device
    ) -> list[Image]:
        attempts.append(len(images))
        # Batches never fit; the second item does not fit even alone on the first try.
        if len(images) > 1 or attempts.count(1) == 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real(images, masks, gen, device)

    monkeypatch.setattr(inpainter, "_forward", flaky)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    items = [_item(16, 16, i) for i in range(3)]
    with caplog.at_level(logging.WARNING):
        outs = inpainter.inpaint(items)
    assert attempts == [3, 1, 1, 1, 1]
    assert len(outs) == 3
    assert any("on the CPU" in r.message for r in caplog.records)


def test_cpu_copy_for_the_fallback_has_the_same_weights(inpainter: LamaInpainter) -> None:
    saved = inpainter._cpu_generator
    inpainter._cpu_generator = None  # as on a GPU: no CPU copy until one is needed
    try:
        copy = inpainter._cpu_model()
        assert copy is not inpainter._generator
        assert copy is inpainter._cpu_model()
        for (k, a), b in zip(
            inpainter._generator.state_dict().items(), copy.state_dict().values(), strict=True
        ):
            assert torch.equal(a, b), k
    finally:
        inpainter._cpu_generator = saved


def test_padding_mirrors_the_image_and_leaves_the_border_unmasked() -> None:
    assert padded_shape(64, 64) == (64, 64)
    assert padded_shape(37, 53) == (40, 56)
    assert padded_shape(5, 9) == (16, 16)
    item = _item(37, 53)
    image, mask = pad_item(item.image, item.mask, (40, 56))
    assert image.shape == (40, 56, 3) and mask.shape == (40, 56)
    assert np.array_equal(image[37, :53], item.image[35])  # reflect: edge pixel not repeated
    assert np.array_equal(image[:37, 53], item.image[:, 51])
    assert not mask[37:].any() and not mask[:, 53:].any()


def test_paste_keeps_the_original_outside_the_mask() -> None:
    item = _item(16, 16)
    filled = np.zeros_like(item.image)
    out = paste_masked(item.image, filled, item.mask)
    inside = item.mask > 0
    assert not out[inside].any()
    assert np.array_equal(out[~inside], item.image[~inside])


def test_load_lama_follows_the_settings(checkpoint: Path, tmp_path: Path) -> None:
    settings = MachineSettings(device="cpu", threads=0, cache_dir=tmp_path)
    random_lama = load_lama(settings.with_(lama_random_weights=True), allow_download=False)
    assert random_lama.name == "lama" and random_lama.dtype == torch.float32
    local = load_lama(settings.with_(lama_weights=checkpoint), allow_download=False)
    assert local.inpaint([_item(24, 24)])[0].shape == (24, 24, 3)
    with pytest.raises(ModelMissing, match="ITP_LAMA_WEIGHTS"):
        load_lama(settings, allow_download=False)
