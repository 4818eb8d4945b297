"""LaMa on ONNX Runtime: the matrix-product FFTs equal torch's, the exported graph answers
what torch answers at any crop size, and the export is made once and reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from workers.config import MachineSettings
from workers.errors import MissingExtra
from workers.inpaint import lama_onnx
from workers.inpaint.base import InpaintItem
from workers.inpaint.lama.model import LamaGenerator, build_generator
from workers.inpaint.lama.onnx_export import exportable, irfft2, rfft2


@pytest.fixture(scope="module")
def small() -> LamaGenerator:
    # One residual block instead of 18: the same data path at a fraction of the CPU time.
    return build_generator(seed=3, n_blocks=1)


@pytest.fixture(scope="module")
def exported(small: LamaGenerator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("onnxscript")
    from workers.inpaint.lama.onnx_export import export_onnx

    return export_onnx(small, tmp_path_factory.mktemp("onnx") / "small.onnx")


@pytest.mark.parametrize("shape", [(8, 12), (9, 11), (40, 11), (16, 16)])
def test_matrix_ffts_equal_torch(shape: tuple[int, int]) -> None:
    height, width = shape
    x = torch.randn(2, 3, height, width, generator=torch.Generator().manual_seed(0))
    spectrum = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
    re, im = rfft2(x)
    assert torch.allclose(re, spectrum.real, atol=1e-4)
    assert torch.allclose(im, spectrum.imag, atol=1e-4)
    changed = spectrum * 1.5 + 0.25j
    back = torch.fft.irfftn(changed, s=shape, dim=(-2, -1), norm="ortho")
    assert torch.allclose(irfft2(changed.real, changed.imag, height, width), back, atol=1e-4)


def test_the_exportable_twin_answers_as_the_generator(small: LamaGenerator) -> None:
    image = torch.rand(1, 3, 32, 48, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(1, 1, 32, 48)
    mask[:, :, 8:24, 12:36] = 1
    with torch.inference_mode():
        assert torch.allclose(exportable(small)(image, mask), small(image, mask), atol=1e-5)


@pytest.mark.parametrize("shape", [(64, 96), (24, 40)])
def test_onnx_runtime_answers_as_torch_at_any_size(small: LamaGenerator, exported: Path,
                                                   shape: tuple[int, int]) -> None:
    height, width = shape
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    mask[height // 4: height // 2, width // 4: width // 2] = 255
    ours = lama_onnx.LamaOnnxInpainter(exported, threads=1).run_batch([image], [mask], False)[0]
    with torch.inference_mode():
        x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
        m = torch.from_numpy(mask > 127)[None, None].float()
        want = (small(x, m)[0].permute(1, 2, 0) * 255).round().clamp(0, 255).byte().numpy()
    assert np.abs(ours.astype(int) - want.astype(int)).max() <= 1


def test_the_inpainter_changes_only_masked_pixels(exported: Path) -> None:
    image = np.full((50, 70, 3), 200, np.uint8)
    mask = np.zeros((50, 70), np.uint8)
    mask[10:20, 10:30] = 255
    out = lama_onnx.LamaOnnxInpainter(exported).inpaint([InpaintItem(image, mask)])[0]
    assert out.shape == image.shape
    assert (out[mask == 0] == image[mask == 0]).all()


def test_the_export_is_named_by_its_weights_and_made_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    machine = MachineSettings(cache_dir=tmp_path, lama_random_weights=True)
    target, weights = lama_onnx.onnx_file(machine, allow_download=False)
    assert weights is None
    assert target.parent == tmp_path / "models"
    assert target.name.startswith("lama-random-s0-torch")
    checkpoint = tmp_path / "big.ckpt"
    checkpoint.write_bytes(b"weights")
    target2, weights2 = lama_onnx.onnx_file(
        machine.with_(lama_random_weights=False, lama_weights=checkpoint), False)
    assert weights2 == checkpoint
    assert target2.name.startswith("lama-big-7-")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"already exported")

    def no_export(*_: object) -> Path:
        raise AssertionError("exported again")

    monkeypatch.setattr("workers.inpaint.lama.onnx_export.export_onnx", no_export)
    assert lama_onnx.ensure_export(target, None) == target


def test_without_the_exporter_lama_runs_on_torch(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*_: object) -> lama_onnx.LamaOnnxInpainter:
        raise MissingExtra("no onnxscript")

    monkeypatch.setattr(lama_onnx, "load_lama_onnx", missing)
    machine = MachineSettings(cache_dir=tmp_path, lama_random_weights=True, threads=1)
    found = lama_onnx.load_lama_fastest(machine, allow_download=False)
    assert type(found).__name__ == "LamaInpainter"
