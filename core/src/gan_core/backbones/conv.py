"""DCGAN's convolutional stacks (Radford, Metz and Chintala 2016, section 3), sized by the data.

The generator "projects and reshapes" its input to a small map of ``start`` x ``start`` pixels, then
doubles the resolution with stride-2 transposed convolutions until it reaches the image; the
discriminator mirrors it with stride-2 convolutions. Batch norm everywhere except the generator's
output and the discriminator's input layer, ReLU in the generator, LeakyReLU 0.2 in the
discriminator, tanh at the output: the paper's "architecture guidelines for stable DCGANs".
Channels halve at every doubling and end at ``width`` next to the image (the paper's 64x64 model is
``width=128``: 1024 -> 512 -> 256 -> 128; PyTorch's DCGAN example uses 64).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from einops import rearrange
from torch import Tensor, nn

from gan_core.backbones.mlp import NORMS

_STARTS = range(4, 8)  # the smallest map: 4x4 (32, 64, 128 px) or 7x7 (28 px, MNIST)


@attrs.frozen
class ConvPlan:
    """How a square image decomposes into DCGAN's doublings: ``size = start * 2**doublings``."""

    start: int
    doublings: int
    width: int

    def channels(self, level: int) -> int:
        """Channels at ``level`` doublings from the small map (level 0) toward the image."""
        return self.width * 2 ** (self.doublings - 1 - level)


def conv_plan(shape: Sequence[int], width: int) -> ConvPlan:
    """The doubling plan for images of ``shape`` (C, H, W), or a one-line error saying which sizes work."""
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"DCGAN stacks need square images (C, H, H), got shape {tuple(shape)}")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    size = shape[1]
    for start in _STARTS:
        doublings = 0
        while start * 2**doublings < size:
            doublings += 1
        if start * 2**doublings == size and doublings >= 1:
            return ConvPlan(start, doublings, width)
    raise ValueError(f"image size must be 4..7 times a power of two (28, 32, 64, ...), got {size}")


def _norm_2d(norm: str, channels: int) -> nn.Module | None:
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "layer":
        return nn.GroupNorm(1, channels)  # one group: normalise over (C, H, W) per sample
    if norm == "none":
        return None
    raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")


def _block(*layers: nn.Module | None) -> list[nn.Module]:
    return [layer for layer in layers if layer is not None]


class ConvDecoder(nn.Module):
    """``(B, in_dim) -> (B, C, H, W)`` in ``[-1, 1]``: DCGAN's generator without its noise source."""

    def __init__(self, in_dim: int, shape: Sequence[int], width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        self.plan = conv_plan(shape, width)
        start, top = self.plan.start, self.plan.channels(0)
        self.project = nn.Linear(in_dim, top * start * start, bias=norm == "none")
        layers = _block(_norm_2d(norm, top), nn.ReLU(inplace=True))
        for level in range(1, self.plan.doublings):
            fan_in, fan_out = self.plan.channels(level - 1), self.plan.channels(level)
            layers += _block(
                nn.ConvTranspose2d(fan_in, fan_out, 4, stride=2, padding=1, bias=norm == "none"),
                _norm_2d(norm, fan_out),
                nn.ReLU(inplace=True),
            )
        layers += [nn.ConvTranspose2d(self.plan.width, shape[0], 4, stride=2, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.in_dim = in_dim

    def forward(self, h: Tensor) -> Tensor:
        start = self.plan.start
        return self.net(rearrange(self.project(h), "b (c h w) -> b c h w", h=start, w=start))


class ConvEncoder(nn.Module):
    """``(B, C + extra_channels, H, W) -> (B, out_features)``: DCGAN's discriminator without its head.

    ``extra_channels`` widens the input layer for conditioning maps (a one-hot label per pixel);
    the head (a linear layer to one logit or critic value, a projection) belongs to the variant.
    """

    def __init__(
        self,
        shape: Sequence[int],
        width: int = 64,
        norm: str = "batch",
        extra_channels: int = 0,
        leaky_slope: float = 0.2,
    ) -> None:
        super().__init__()
        self.plan = conv_plan(shape, width)
        levels = self.plan.doublings
        # the input layer never gets a normalisation (the paper: it caused sample oscillation)
        layers: list[nn.Module] = [
            nn.Conv2d(shape[0] + extra_channels, self.plan.channels(levels - 1), 4, stride=2, padding=1),
            nn.LeakyReLU(leaky_slope, inplace=True),
        ]
        for level in range(levels - 1, 0, -1):
            fan_in, fan_out = self.plan.channels(level), self.plan.channels(level - 1)
            layers += _block(
                nn.Conv2d(fan_in, fan_out, 4, stride=2, padding=1, bias=norm == "none"),
                _norm_2d(norm, fan_out),
                nn.LeakyReLU(leaky_slope, inplace=True),
            )
        self.net = nn.Sequential(*layers)
        self.out_features = self.plan.channels(0) * self.plan.start**2

    def forward(self, x: Tensor) -> Tensor:
        return rearrange(self.net(x), "b c h w -> b (c h w)")
