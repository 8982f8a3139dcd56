"""DCGAN's generator and discriminator: the core's convolutional stacks with DCGAN's noise source and head."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from einops import rearrange
from torch import Tensor, nn

from gan_core.backbones import ConvDecoder, ConvEncoder, ValueRange


def normal_to_uniform(z: Tensor) -> Tensor:
    """``2 Phi(z) - 1 = erf(z / sqrt 2)``: maps ``N(0, 1)`` exactly onto ``U(-1, 1)`` elementwise (the
    probability integral transform), so a generator fed the core's normal noise sees the paper's uniform z."""
    return torch.erf(z / math.sqrt(2.0))


class DCGANGenerator(nn.Module):
    """``z -> project and reshape -> [ConvTranspose 4x4/2, BN, ReLU]* -> ConvTranspose 4x4/2 -> tanh``.

    The first map is 4x4 (32, 64 px) or 7x7 (28 px); each transposed convolution doubles it until it
    is the image's size; the output is scaled to ``value_range``.
    """

    def __init__(
        self,
        latent_dim: int,
        shape: Sequence[int],
        width: int = 32,
        norm: str = "batch",
        uniform_latent: bool = True,
        value_range: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.uniform_latent = uniform_latent
        self.decoder = ConvDecoder(latent_dim, shape, width, norm)
        self.value_range = ValueRange(*value_range)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.uniform_latent:
            z = normal_to_uniform(z)
        return self.value_range.from_unit(self.decoder(z))


class DCGANDiscriminator(nn.Module):
    """``x -> Conv 4x4/2, LeakyReLU -> [Conv 4x4/2, BN, LeakyReLU]* -> flatten -> Linear``: one logit
    per sample (the paper: "the last convolution layer is flattened and then fed into a single
    sigmoid output"; the sigmoid lives in the loss, which works on logits)."""

    def __init__(self, shape: Sequence[int], width: int = 32, norm: str = "batch", leaky_slope: float = 0.2) -> None:
        super().__init__()
        self.encoder = ConvEncoder(shape, width, norm, leaky_slope=leaky_slope)
        self.head = nn.Linear(self.encoder.out_features, 1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return rearrange(self.head(self.encoder(x)), "b 1 -> b")
