"""The r3gan variant through the plugin-author conformance kit, on MNIST-like and Stacked-MNIST-like images."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from gan_core.testing import VariantConformance
from gan_plugin_r3gan import R3GAN

BAD_VALUES: Mapping[str, list[Any]] = {
    "latent_dim": [0],
    "g_widths": [[], [0], [16, -1]],
    "d_widths": [[], [0], [16, -1]],
    "blocks": [0],
    "group_width": [0, 5],  # 5 divides no width x expansion of the defaults
    "expansion": [0],
    "pack": [0],
    "train.r1": [-0.1],
    "train.reg_every": [0],
    "lr": [0, -1e-4],
    "d_lr": [-1e-4],
    "beta1": [1.0, -0.1],
    "beta2": [1.0],
}

_SMALL: Mapping[str, Any] = {"latent_dim": 8, "g_widths": [16, 8], "d_widths": [8, 8], "group_width": 8}


class TestR3GANConformance(VariantConformance):
    """Grey 28x28 digits (mnist-5k): a 7x7 basis and two doublings."""

    variant = R3GAN
    data_shape = (1, 28, 28)
    config_overrides: ClassVar[Mapping[str, Any]] = _SMALL
    bad_config = BAD_VALUES


class TestR3GANOnColourConformance(VariantConformance):
    """Three-channel 32x32 images (and the kit's Stacked-MNIST shape through its three-channel check)."""

    variant = R3GAN
    data_shape = (3, 32, 32)
    config_overrides: ClassVar[Mapping[str, Any]] = {**_SMALL, "blocks": 2, "train.reg_every": 2}
