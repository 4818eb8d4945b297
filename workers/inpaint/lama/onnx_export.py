"""The big-lama generator exported to ONNX, with dynamic batch, height and width.

ONNX Runtime's `DFT` operator is slow on the CPU (on a 64x96 crop it took more time than all
the convolutions together), and the bottleneck's feature maps are small (an eighth of the
crop's sides), so the exported graph computes each Fourier unit's real 2-D FFT and its
inverse as products with cosine and sine bases instead. The bases are built inside the graph
from the input's height and width, so one file serves every crop size. The result equals
torch's `rfftn`/`irfftn` (norm "ortho") to float32 rounding.

The export uses torch's dynamo exporter, which needs the `onnxscript` package; it runs once
per set of weights (`export_onnx`), not per crop.
"""

from __future__ import annotations

import contextlib
import copy
import math
import sys
import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from workers.errors import MissingExtra
from workers.inpaint.lama.ffc import FourierUnit
from workers.inpaint.lama.model import LamaGenerator

OPSET = 18
# A small example input for tracing; every side is dynamic in the exported graph.
_EXAMPLE = (64, 96)


def _bases(n: int, k: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """cos and sin of 2*pi*i*j/n for i < n, j < k: an (n, k) pair."""
    i = torch.arange(n, dtype=like.dtype, device=like.device)
    j = torch.arange(k, dtype=like.dtype, device=like.device)
    angle = torch.outer(i, j) * (2 * math.pi / n)
    return torch.cos(angle), torch.sin(angle)


def rfft2(x: Tensor) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts of `rfftn(x, dim=(-2, -1), norm="ortho")`."""
    height, width = x.shape[-2], x.shape[-1]
    cos_w, sin_w = _bases(width, width // 2 + 1, x)
    cos_h, sin_h = _bases(height, height, x)
    re_w, im_w = x @ cos_w, -(x @ sin_w)
    re = cos_h @ re_w + sin_h @ im_w
    im = cos_h @ im_w - sin_h @ re_w
    scale = torch.rsqrt(torch.tensor(height * width, dtype=x.dtype, device=x.device))
    return re * scale, im * scale


def irfft2(re: Tensor, im: Tensor, height: int, width: int) -> Tensor:
    """`irfftn(complex(re, im), s=(height, width), dim=(-2, -1), norm="ortho")`."""
    half = re.shape[-1]
    cos_h, sin_h = _bases(height, height, re)
    z_re = cos_h @ re - sin_h @ im
    z_im = cos_h @ im + sin_h @ re
    cos_w, sin_w = _bases(width, half, re)
    # Hermitian weights: every frequency but 0 (and width/2 for an even width) stands for two.
    k = torch.arange(half, device=re.device)
    weight = 2.0 - (k == 0).to(re.dtype) - (2 * k == width).to(re.dtype)
    out = z_re @ (cos_w * weight).transpose(0, 1) - z_im @ (sin_w * weight).transpose(0, 1)
    scale = torch.rsqrt(torch.tensor(height * width, dtype=re.dtype, device=re.device))
    return out * scale


class MatmulFourierUnit(nn.Module):
    """A `FourierUnit` (its own convolution and batch norm) with the FFTs as matrix
    products."""

    def __init__(self, unit: FourierUnit) -> None:
        super().__init__()
        self.conv_layer = unit.conv_layer
        self.bn = unit.bn
        self.relu = unit.relu

    def forward(self, x: Tensor) -> Tensor:
        batch, channels, height, width = x.shape
        re, im = rfft2(x.float())
        half = re.shape[-1]
        stacked = torch.stack((re, im), dim=2).reshape(batch, channels * 2, height, half)
        stacked = self.relu(self.bn(self.conv_layer(stacked)))
        pairs = stacked.reshape(batch, channels, 2, height, half)
        return irfft2(pairs[:, :, 0], pairs[:, :, 1], height, width)


def exportable(generator: LamaGenerator) -> LamaGenerator:
    """A copy of `generator` whose Fourier units use `MatmulFourierUnit` (same weights)."""
    twin = copy.deepcopy(generator).eval()
    for module in list(twin.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, FourierUnit):
                setattr(module, name, MatmulFourierUnit(child))
    return twin


def export_onnx(generator: LamaGenerator, path: Path) -> Path:
    """Write `generator` as an ONNX model taking `image` (N, 3, H, W) in [0, 1] and `mask`
    (N, 1, H, W), H and W multiples of 8 (at least 16); answering `out` (N, 3, H, W)."""
    try:
        import onnxscript  # noqa: F401 - the dynamo exporter imports it itself
    except ImportError as exc:
        raise MissingExtra(f"exporting LaMa to ONNX needs onnxscript (`pip install "
                           f"onnxscript`): {exc}") from exc
    twin = exportable(generator)
    height, width = _EXAMPLE
    image = torch.rand(1, 3, height, width)
    mask = torch.zeros(1, 1, height, width)
    mask[:, :, 16:48, 16:64] = 1
    batch = torch.export.Dim("batch", min=1, max=64)
    # Sides are multiples of 8 (three stride-2 layers): say so, so the exporter can prove the
    # shapes of the upsampling path match those of the downsampling one.
    rows = 8 * torch.export.Dim("rows", min=2, max=1024)
    cols = 8 * torch.export.Dim("cols", min=2, max=1024)
    shapes = {"image": {0: batch, 2: rows, 3: cols}, "mask": {0: batch, 2: rows, 3: cols}}
    path.parent.mkdir(parents=True, exist_ok=True)
    # The exporter reports its progress on stdout, which may be a protocol (the bench's
    # child answers JSON there), and warns that the two sides share one shape: both fine.
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings(), \
            contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(twin, (image, mask), str(path), dynamo=True, opset_version=OPSET,
                          input_names=["image", "mask"], output_names=["out"],
                          dynamic_shapes=shapes, optimize=False, external_data=False)
    return path
