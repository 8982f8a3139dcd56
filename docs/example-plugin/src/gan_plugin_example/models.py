"""Two small multilayer perceptrons. Any ``nn.Module`` of the right shape satisfies the protocols:

- a generator maps ``(z, y=None)`` to a batch of samples (the game's ``Noise(latent_dim)`` says what ``z`` is);
- a discriminator maps ``(x, y=None)`` to one raw score per sample, shape ``(batch,)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from torch import Tensor, nn

from gan_core.backbones import ValueRange


class MLPGenerator(nn.Module):
    """``z -> [Linear, ReLU]* -> Linear -> tanh``, stretched to the data's value range."""

    def __init__(
        self,
        latent_dim: int,
        sample_shape: Sequence[int],
        hidden: Sequence[int],
        value_range: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sample_shape = tuple(sample_shape)
        widths = [latent_dim, *hidden]
        layers: list[nn.Module] = []
        for fan_in, fan_out in pairwise(widths):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        layers += [nn.Linear(widths[-1], math.prod(self.sample_shape)), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.value_range = ValueRange(*value_range)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        x = self.value_range.from_unit(self.net(z))
        return x.unflatten(1, self.sample_shape)  # (b, prod) -> (b, *sample_shape)


class MLPDiscriminator(nn.Module):
    """``x -> flatten -> [Linear, LeakyReLU(0.2)]* -> Linear``: one unbounded score per sample."""

    def __init__(self, sample_shape: Sequence[int], hidden: Sequence[int]) -> None:
        super().__init__()
        widths = [math.prod(sample_shape), *hidden]
        layers: list[nn.Module] = []
        for fan_in, fan_out in pairwise(widths):
            layers += [nn.Linear(fan_in, fan_out), nn.LeakyReLU(0.2)]
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(x.flatten(1)).squeeze(1)
