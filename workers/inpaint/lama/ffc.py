"""Fast Fourier Convolution blocks of the big-lama generator.

Architecture: Chi et al., "Fast Fourier Convolution" (NeurIPS 2020), as used by Suvorov et al.,
"Resolution-robust Large Mask Inpainting with Fourier Convolutions" (LaMa, WACV 2022). A feature
map is split into a *local* part (ordinary 3x3 convolutions) and a *global* part whose 1x1
convolution runs in the frequency domain, so every output pixel sees the whole image.

Attribute names (`convl2l`, `convg2g.conv1.0`, `fu.conv_layer`, `bn_l`, ...) are those of the
published checkpoints; they are the state-dict keys and must not be renamed. Only the parts the
big-lama configuration uses are built: no local Fourier unit (`enable_lfu: false`), no gates,
no squeeze-excitation, no spectral position encoding.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

# A feature map travels as (local, global); the global half is absent before the bottleneck.
LocalGlobal = tuple[Tensor, Tensor | None]


class FourierUnit(nn.Module):
    """A 1x1 convolution (+BN+ReLU) applied to the 2-D real FFT of its input.

    Runs in float32 whatever the surrounding autocast says: half-precision FFTs overflow on
    real images and the result comes out visibly darkened.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        # Real and imaginary parts are stacked as channel pairs (c0.re, c0.im, c1.re, ...).
        self.conv_layer = nn.Conv2d(channels * 2, channels * 2, kernel_size=1, bias=False)
        self.bn = nn.BatchNorm2d(channels * 2)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.float()
            batch, channels, height, width = x.shape
            spectrum = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
            half_width = spectrum.shape[-1]
            stacked = torch.stack((spectrum.real, spectrum.imag), dim=2)
            stacked = stacked.reshape(batch, channels * 2, height, half_width)
            stacked = self.relu(self.bn(self.conv_layer(stacked)))
            pairs = stacked.reshape(batch, channels, 2, height, half_width)
            spectrum = torch.complex(pairs[:, :, 0], pairs[:, :, 1])
            out: Tensor = torch.fft.irfftn(spectrum, s=(height, width), dim=(-2, -1), norm="ortho")
        return out


class SpectralTransform(nn.Module):
    """The global-to-global path: squeeze channels, Fourier unit, residual, expand."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        hidden = out_channels // 2
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, hidden, kernel_size=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        )
        self.fu = FourierUnit(hidden)
        self.conv2 = nn.Conv2d(hidden, out_channels, kernel_size=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        spectral = self.fu(x)
        out: Tensor = self.conv2(x + spectral)
        return out


def _conv(
    in_ch: int, out_ch: int, kernel: int, stride: int, padding: int, dilation: int
) -> nn.Conv2d:
    # Reflect padding: the checkpoints were trained with it.
    return nn.Conv2d(
        in_ch,
        out_ch,
        kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        bias=False,
        padding_mode="reflect",
    )


class FFC(nn.Module):
    """Four paths between the local and global parts: l->l, l->g, g->l (convolutions) and
    g->g (spectral). A path with no channels on either end is absent, as in the checkpoints."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        ratio_gin: float,
        ratio_gout: float,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
    ) -> None:
        super().__init__()
        in_g = int(in_channels * ratio_gin)
        in_l = in_channels - in_g
        out_g = int(out_channels * ratio_gout)
        out_l = out_channels - out_g
        args = (kernel_size, stride, padding, dilation)
        self.convl2l = _conv(in_l, out_l, *args) if in_l and out_l else None
        self.convl2g = _conv(in_l, out_g, *args) if in_l and out_g else None
        self.convg2l = _conv(in_g, out_l, *args) if in_g and out_l else None
        if in_g and out_g:
            if stride != 1:
                raise ValueError("a strided global-to-global path is not part of big-lama")
            self.convg2g: SpectralTransform | None = SpectralTransform(in_g, out_g)
        else:
            self.convg2g = None

    def forward(self, x_l: Tensor, x_g: Tensor | None) -> LocalGlobal:
        out_l = _add(
            None if self.convl2l is None else self.convl2l(x_l),
            None if self.convg2l is None or x_g is None else self.convg2l(x_g),
        )
        out_g = _add(
            None if self.convl2g is None else self.convl2g(x_l),
            None if self.convg2g is None or x_g is None else self.convg2g(x_g),
        )
        if out_l is None:
            raise RuntimeError("FFC without a local output: not a big-lama layer")
        return out_l, out_g


def _add(a: Tensor | None, b: Tensor | None) -> Tensor | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class FfcBnAct(nn.Module):
    """FFC, then BatchNorm and ReLU on each part separately."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        ratio_gin: float,
        ratio_gout: float,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
    ) -> None:
        super().__init__()
        self.ffc = FFC(
            in_channels, out_channels, kernel_size, ratio_gin, ratio_gout, stride, padding, dilation
        )
        out_g = int(out_channels * ratio_gout)
        out_l = out_channels - out_g
        self.bn_l = nn.BatchNorm2d(out_l) if out_l else None
        self.bn_g = nn.BatchNorm2d(out_g) if out_g else None
        self.act = nn.ReLU(inplace=True)

    def forward(self, x_l: Tensor, x_g: Tensor | None) -> LocalGlobal:
        out_l, out_g = self.ffc(x_l, x_g)
        if self.bn_l is not None:
            out_l = self.act(self.bn_l(out_l))
        if out_g is not None and self.bn_g is not None:
            out_g = self.act(self.bn_g(out_g))
        return out_l, out_g


class FfcResnetBlock(nn.Module):
    """Two FfcBnAct layers with a residual connection on both parts."""

    def __init__(self, dim: int, ratio: float, dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = FfcBnAct(dim, dim, 3, ratio, ratio, padding=dilation, dilation=dilation)
        self.conv2 = FfcBnAct(dim, dim, 3, ratio, ratio, padding=dilation, dilation=dilation)

    def forward(self, x_l: Tensor, x_g: Tensor | None) -> LocalGlobal:
        y_l, y_g = self.conv1(x_l, x_g)
        y_l, y_g = self.conv2(y_l, y_g)
        out_g = _add(x_g, y_g)
        return x_l + y_l, out_g
