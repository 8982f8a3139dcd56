"""Radford et al. 2016's initialisation, shared by every DCGAN-style network."""

from __future__ import annotations

from torch import nn

_NORMS_WITH_SCALE = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)


def dcgan_init_(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Weights from N(0, std) (section 4 of the paper: "zero-centered Normal distribution with
    standard deviation 0.02"), normalisation scales from N(1, std), biases zero. In place."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | nn.Linear | nn.Embedding):
            nn.init.normal_(layer.weight, 0.0, std)
            bias = getattr(layer, "bias", None)
            if bias is not None:
                nn.init.zeros_(bias)
        elif isinstance(layer, _NORMS_WITH_SCALE) and layer.weight is not None:
            nn.init.normal_(layer.weight, 1.0, std)
            nn.init.zeros_(layer.bias)
    return module
