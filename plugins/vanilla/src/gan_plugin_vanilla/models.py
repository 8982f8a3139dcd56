"""Multilayer perceptrons for the generator and the discriminator."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from einops import rearrange
from torch import Tensor, nn

from gan_core.backbones import ValueRange


class MLPGenerator(nn.Module):
    """``z -> [Linear, LeakyReLU]* -> Linear -> tanh``, scaled to the data's value range and shaped
    like one sample (``(C, H, W)`` images or ``(D,)`` points)."""

    def __init__(
        self,
        latent_dim: int,
        sample_shape: Sequence[int],
        hidden: Sequence[int],
        leaky_slope: float = 0.2,
        value_range: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sample_shape = tuple(sample_shape)
        widths = [latent_dim, *hidden]
        layers: list[nn.Module] = []
        for fan_in, fan_out in itertools.pairwise(widths):
            layers += [nn.Linear(fan_in, fan_out), nn.LeakyReLU(leaky_slope)]
        layers += [nn.Linear(widths[-1], math.prod(self.sample_shape)), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.value_range = ValueRange(*value_range)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        x = self.value_range.from_unit(self.net(z))
        if len(self.sample_shape) == 3:
            c, h, w = self.sample_shape
            return rearrange(x, "b (c h w) -> b c h w", c=c, h=h, w=w)
        return x


class MLPDiscriminator(nn.Module):
    """``x -> flatten -> [Linear, LeakyReLU, Dropout]* -> Linear``: one logit per sample."""

    def __init__(
        self,
        sample_shape: Sequence[int],
        hidden: Sequence[int],
        leaky_slope: float = 0.2,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        widths = [math.prod(sample_shape), *hidden]
        layers: list[nn.Module] = []
        for fan_in, fan_out in itertools.pairwise(widths):
            layers += [nn.Linear(fan_in, fan_out), nn.LeakyReLU(leaky_slope), nn.Dropout(dropout)]
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return rearrange(self.net(rearrange(x, "b ... -> b (...)")), "b 1 -> b")
