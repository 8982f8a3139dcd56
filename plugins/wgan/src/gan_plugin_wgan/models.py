"""The generator and the critic, assembled from the core's shared backbones.

Points get Gulrajani et al.'s toy networks: ReLU MLPs, the generator's output linear (the toy sets'
Gaussians have unbounded tails), the critic without normalisation. Both work in units of the data's value
range (``gan_core.backbones.ValueRange``), as the toy script standardises its data: ``grid25`` spans +-4.3,
where a freshly initialised MLP's outputs (~0.1) have far to grow and its first-layer kinks (within ~1 of
the origin) would miss the outer modes. Images get DCGAN's stacks
(Radford et al. 2016), as both WGAN papers use: a batch-normalised transposed-convolution generator and
a strided-convolution critic whose normalisation depends on the constraint, with one linear head.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from einops import rearrange
from torch import Tensor, nn

from gan_core.backbones import MLP, ConvDecoder, ConvEncoder, ValueRange, dcgan_init_


class MLPGenerator(nn.Module):
    """``z -> MLP -> u -> value_range.from_unit(u)``, with ``u`` squashed by tanh into the value range for
    images and left linear for points."""

    def __init__(
        self,
        latent_dim: int,
        sample_shape: Sequence[int],
        hidden: Sequence[int],
        value_range: tuple[float, float] = (-1.0, 1.0),
        squash: bool = True,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sample_shape = tuple(sample_shape)
        self.net = MLP(latent_dim, math.prod(self.sample_shape), hidden, activation=nn.ReLU)
        self.value_range = ValueRange(*value_range)
        self.squash = squash

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        u = self.net(z)
        x = self.value_range.from_unit(u.tanh() if self.squash else u)
        if len(self.sample_shape) == 3:
            c, h, w = self.sample_shape
            return rearrange(x, "b (c h w) -> b c h w", c=c, h=h, w=w)
        return x


class MLPCritic(nn.Module):
    """``x -> flatten -> value_range.to_unit(x) -> MLP -> score``: one unbounded real per sample.

    The rescaling is a fixed linear map, so the gradient penalty, taken with respect to ``x`` itself,
    still asks for slope 1 in the data's own units."""

    def __init__(
        self,
        sample_shape: Sequence[int],
        hidden: Sequence[int],
        norm: str = "none",
        value_range: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        super().__init__()
        self.net = MLP(math.prod(sample_shape), 1, hidden, activation=nn.ReLU, norm=norm)
        self.value_range = ValueRange(*value_range)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        u = self.value_range.to_unit(rearrange(x, "b ... -> b (...)"))
        return rearrange(self.net(u), "b 1 -> b")


class ConvGenerator(nn.Module):
    """DCGAN's generator: ``z -> project -> [ConvTranspose, BatchNorm, ReLU]* -> ConvTranspose -> tanh``."""

    def __init__(self, latent_dim: int, sample_shape: Sequence[int], width: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = ConvDecoder(latent_dim, sample_shape, width, norm="batch")
        dcgan_init_(self)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(z)


class ConvCritic(nn.Module):
    """DCGAN's discriminator with a linear head and no sigmoid: ``x -> [Conv, norm, LeakyReLU]* -> score``."""

    def __init__(self, sample_shape: Sequence[int], width: int, norm: str) -> None:
        super().__init__()
        self.features = ConvEncoder(sample_shape, width, norm=norm)
        self.head = nn.Linear(self.features.out_features, 1)
        dcgan_init_(self)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return rearrange(self.head(self.features(x)), "b 1 -> b")
