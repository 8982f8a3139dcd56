"""The dcgan variant through the plugin-author conformance kit, on MNIST-like and CIFAR-like images."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from gan_core.testing import VariantConformance
from gan_plugin_dcgan import DCGAN

# Values the dcgan config must refuse beyond wrong types (the kit adds those for every field). Not
# model.loss: it names any registered loss, and an unknown one is refused when the game is built.
BAD_VALUES: Mapping[str, list[Any]] = {
    "latent_dim": [0, -1],
    "latent_distribution": ["gaussian", "Uniform", ""],
    "g_width": [0, -8],
    "d_width": [0],
    "norm": ["instance", "spectral", ""],
    "leaky_slope": [-0.2, 1.0],
    "init_std": [0, -0.02],
    "lr": [0, -2e-4],
    "beta1": [1.0, -0.5],
    "beta2": [1.0],
}

_SMALL: Mapping[str, Any] = {"latent_dim": 8, "g_width": 4, "d_width": 4}


class TestDCGANConformance(VariantConformance):
    """One-channel 28x28 images, as in the default ``mnist-5k`` run, with narrow networks."""

    variant = DCGAN
    data_shape = (1, 28, 28)
    config_overrides: ClassVar[Mapping[str, Any]] = _SMALL
    bad_config = BAD_VALUES


class TestDCGANColourConformance(VariantConformance):
    """Three-channel 32x32 images (CIFAR-10, SVHN, rendered digits), normal noise and the minimax loss."""

    variant = DCGAN
    data_shape = (3, 32, 32)
    config_overrides: ClassVar[Mapping[str, Any]] = {**_SMALL, "latent_distribution": "normal", "loss": "minimax"}
