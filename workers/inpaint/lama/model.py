"""The big-lama generator and the loading of its published checkpoints.

Layout (advimman/lama `configs/training/big-lama.yaml`, `ffc_resnet` generator): reflect-pad +
7x7 stem, three stride-2 downsamplings (64 -> 128 -> 256 -> 512 channels), 18 FFC residual
blocks with three quarters of the channels global, three transposed-convolution upsamplings,
reflect-pad + 7x7 convolution and a sigmoid. Input: the image in [0, 1] with the hole zeroed,
plus the mask, as 4 channels. About 51M parameters.

The layers sit in one `nn.Sequential` named `model` because the checkpoints' keys are its
indices (`model.5.conv1.ffc.convg2g.fu.conv_layer.weight`); `params.json` beside this file lists
every key and shape, so a change here that would break loading fails a test instead.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import torch
from torch import Tensor, nn

from workers.errors import ModelMissing
from workers.inpaint.lama.ffc import FfcBnAct, FfcResnetBlock

N_BLOCKS = 18
GLOBAL_RATIO = 0.75
NGF = 64
N_DOWNSAMPLING = 3
# The input must survive three stride-2 reflect-padded convolutions and still leave a
# bottleneck of at least 2x2 for the 3x3 reflect padding of the residual blocks.
MULTIPLE = 8
MIN_SIDE = 16


class ConcatTupleLayer(nn.Module):
    """Joins the local and global parts back into one feature map (local channels first)."""

    def forward(self, x_l: Tensor, x_g: Tensor | None) -> Tensor:
        return x_l if x_g is None else torch.cat((x_l, x_g), dim=1)


class LamaGenerator(nn.Module):
    """big-lama's FFC ResNet generator; `forward(image, mask)` returns the filled image."""

    def __init__(self, n_blocks: int = N_BLOCKS) -> None:
        super().__init__()
        self.n_blocks = n_blocks
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), FfcBnAct(4, NGF, 7, 0, 0)]
        for i in range(N_DOWNSAMPLING):
            ch = NGF * 2**i
            ratio_gout = GLOBAL_RATIO if i == N_DOWNSAMPLING - 1 else 0
            layers.append(FfcBnAct(ch, ch * 2, 3, 0, ratio_gout, stride=2, padding=1))
        bottleneck = NGF * 2**N_DOWNSAMPLING
        layers += [FfcResnetBlock(bottleneck, GLOBAL_RATIO) for _ in range(n_blocks)]
        layers.append(ConcatTupleLayer())
        for i in range(N_DOWNSAMPLING):
            ch = bottleneck // 2**i
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=1),
                nn.BatchNorm2d(ch // 2),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(NGF, 3, kernel_size=7), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, image: Tensor, mask: Tensor) -> Tensor:
        """`image` (N, 3, H, W) in [0, 1], `mask` (N, 1, H, W) with 1 = fill; H and W multiples
        of 8, at least 16. Returns (N, 3, H, W) in [0, 1]."""
        x_l: Tensor = torch.cat((image * (1 - mask), mask), dim=1)
        x_g: Tensor | None = None
        for layer in self.model:
            if isinstance(layer, FfcBnAct | FfcResnetBlock):
                x_l, x_g = layer(x_l, x_g)
            elif isinstance(layer, ConcatTupleLayer):
                x_l, x_g = layer(x_l, x_g), None
            else:
                x_l = layer(x_l)
        return x_l


def expected_params() -> list[tuple[str, tuple[int, ...]]]:
    """(key, shape) of every state-dict entry of the published big-lama generator."""
    text = resources.files(__package__).joinpath("params.json").read_text(encoding="utf-8")
    return [(str(name), tuple(int(d) for d in shape)) for name, shape in json.loads(text)]


def build_generator(*, seed: int | None = None, n_blocks: int = N_BLOCKS) -> LamaGenerator:
    """A generator with freshly initialised weights (seeded, without touching the global RNG
    when `seed` is given); for benchmarks and tests where the real weights are not at hand.
    Fewer `n_blocks` give a cheaper network of the same shape outside the bottleneck."""
    if seed is None:
        return LamaGenerator(n_blocks).eval()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return LamaGenerator(n_blocks).eval()


def generator_state(checkpoint: object) -> Mapping[str, Tensor]:
    """The generator's state dict out of any of the published containers:
    manga-image-translator's `{"gen_state_dict": ...}`, a LaMa Lightning checkpoint
    (`{"state_dict": {"generator.model....": ...}}`) or a bare state dict."""
    if not isinstance(checkpoint, Mapping):
        raise ModelMissing(f"not a LaMa checkpoint: holds a {type(checkpoint).__name__}")
    if "gen_state_dict" in checkpoint:
        return _tensors(checkpoint["gen_state_dict"])
    if "state_dict" in checkpoint:
        prefix = "generator."
        full = _tensors(checkpoint["state_dict"])
        return {k[len(prefix) :]: v for k, v in full.items() if k.startswith(prefix)}
    return _tensors(checkpoint)


def _tensors(obj: object) -> dict[str, Tensor]:
    if not isinstance(obj, Mapping):
        raise ModelMissing("not a LaMa checkpoint: the state dict is not a mapping")
    return {str(k): v for k, v in obj.items() if isinstance(v, Tensor)}


def load_generator(path: Path) -> LamaGenerator:
    """Read a checkpoint (weights only: no code in it is run) into a generator on the CPU.

    Raises ModelMissing naming the file when it is unreadable or of another architecture.
    """
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile) as e:
        raise ModelMissing(f"cannot read LaMa weights {path}: {e}") from e
    state = generator_state(checkpoint)
    # Built on the meta device: no time spent initialising weights about to be replaced.
    with torch.device("meta"):
        generator = LamaGenerator()
    try:
        generator.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as e:
        first = str(e).splitlines()[:3]
        raise ModelMissing(
            f"{path} is not a big-lama generator checkpoint: {' '.join(first)}"
        ) from e
    return generator.eval()
