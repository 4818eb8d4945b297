"""The generator matches the published big-lama checkpoints key for key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from workers.errors import ModelMissing
from workers.inpaint.lama.ffc import SpectralTransform
from workers.inpaint.lama.model import (
    LamaGenerator,
    build_generator,
    expected_params,
    generator_state,
    load_generator,
)


@pytest.fixture(scope="module")
def generator() -> LamaGenerator:
    return build_generator(seed=0)


def test_state_dict_equals_the_published_key_list(generator: LamaGenerator) -> None:
    ours = [(k, tuple(v.shape)) for k, v in generator.state_dict().items()]
    assert ours == expected_params()


def test_parameter_count_is_big_lama(generator: LamaGenerator) -> None:
    assert sum(p.numel() for p in generator.parameters()) == 50_975_875


def test_seeded_weights_repeat(generator: LamaGenerator) -> None:
    again = build_generator(seed=0)
    key = "model.5.conv1.ffc.convg2g.fu.conv_layer.weight"
    assert torch.equal(generator.state_dict()[key], again.state_dict()[key])


def test_output_is_an_image_in_range(generator: LamaGenerator) -> None:
    image = torch.rand(2, 3, 64, 48)
    mask = torch.zeros(2, 1, 64, 48)
    mask[:, :, 20:40, 10:30] = 1
    with torch.inference_mode():
        out = generator(image, mask)
    assert out.shape == (2, 3, 64, 48)
    assert torch.isfinite(out).all()
    assert float(out.min()) >= 0 and float(out.max()) <= 1


def test_every_published_container_loads(generator: LamaGenerator, tmp_path: Path) -> None:
    state = generator.state_dict()
    lightning = {"state_dict": {f"generator.{k}": v for k, v in state.items()}}
    lightning["state_dict"]["discriminator.model0.0.weight"] = torch.zeros(1)
    for container in ({"gen_state_dict": state}, lightning, state):
        assert generator_state(container).keys() == state.keys()
    path = tmp_path / "lightning.ckpt"
    torch.save(lightning, path)
    loaded = load_generator(path)
    key = "model.30.weight"
    assert torch.equal(loaded.state_dict()[key], state[key])


def test_other_architectures_are_refused(generator: LamaGenerator, tmp_path: Path) -> None:
    state = dict(generator.state_dict())
    del state["model.5.conv1.ffc.convl2l.weight"]
    path = tmp_path / "partial.ckpt"
    torch.save({"gen_state_dict": state}, path)
    with pytest.raises(ModelMissing, match="not a big-lama generator"):
        load_generator(path)
    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelMissing, match="cannot read"):
        load_generator(garbage)
    with pytest.raises(ModelMissing):
        generator_state([1, 2, 3])


def test_fourier_units_stay_float32_under_autocast(generator: LamaGenerator) -> None:
    seen: dict[str, tuple[torch.dtype, torch.dtype]] = {}

    def recorder(name: str) -> Callable[[nn.Module, tuple[Tensor, ...], Tensor], None]:
        def record(module: nn.Module, args: tuple[Tensor, ...], out: Tensor) -> None:
            seen[name] = (args[0].dtype, out.dtype)

        return record

    block = generator.get_submodule("model.5.conv1.ffc.convg2g")
    assert isinstance(block, SpectralTransform)
    hooks = {"squeeze": block.conv1, "spectral_conv": block.fu.conv_layer, "fourier": block.fu}
    handles = [m.register_forward_hook(recorder(n)) for n, m in hooks.items()]
    try:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            out = generator(torch.rand(1, 3, 16, 16), torch.ones(1, 1, 16, 16))
    finally:
        for h in handles:
            h.remove()
    assert seen["squeeze"][1] == torch.bfloat16  # autocast is on around the FFT parts
    assert seen["spectral_conv"] == (torch.float32, torch.float32)
    assert seen["fourier"][1] == torch.float32
    assert bool(torch.isfinite(out).all())
