"""The wgan variant through the plugin-author conformance kit: points and images, both constraints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from gan_core.testing import VariantConformance
from gan_plugin_wgan import WGAN

# Values the config must refuse beyond wrong types (the kit adds those for every field).
BAD_VALUES: Mapping[str, list[Any]] = {
    "constraint": ["hinge", "GP", ""],
    "gp_weight": [0, -10.0],
    "clip_value": [0, -0.01],
    "backbone": ["resnet"],
    "latent_dim": [0, -2],
    "hidden": [[], [0], [64, -1]],
    "width": [0],
    "critic_norm": ["instance", "spectral"],
    "optimizer": ["sgd"],
    "lr": [0, -1e-4],
    "beta1": [1.0, -0.1],
    "beta2": [1.0],
}

# two critic updates per generator update instead of five keep the kit fast; test_wgan_step checks five
TINY_MLP: Mapping[str, Any] = {"latent_dim": 4, "hidden": [16, 16], "train.d_steps": 2}
TINY_CONV: Mapping[str, Any] = {"latent_dim": 8, "width": 4, "train.d_steps": 2}


class TestWganGPPoints(VariantConformance):
    """The default constraint (gradient penalty) on 2-D points, as in ``gan train wgan --dataset ring8``."""

    variant = WGAN
    data_shape = (2,)
    config_overrides: ClassVar[Mapping[str, Any]] = TINY_MLP
    bad_config = BAD_VALUES


class TestWganClipPoints(VariantConformance):
    variant = WGAN
    data_shape = (2,)
    config_overrides: ClassVar[Mapping[str, Any]] = {**TINY_MLP, "constraint": "clip"}


class TestWganGPImages(VariantConformance):
    """DCGAN stacks, layer-normalised critic."""

    variant = WGAN
    data_shape = (1, 16, 16)
    config_overrides: ClassVar[Mapping[str, Any]] = TINY_CONV


class TestWganClipImages(VariantConformance):
    """DCGAN stacks, batch-normalised critic (Arjovsky et al.'s), RMSprop."""

    variant = WGAN
    data_shape = (1, 16, 16)
    config_overrides: ClassVar[Mapping[str, Any]] = {**TINY_CONV, "constraint": "clip"}


class TestWganGPImagesThroughAnMLP(VariantConformance):
    variant = WGAN
    data_shape = (1, 8, 8)
    config_overrides: ClassVar[Mapping[str, Any]] = {
        **TINY_MLP,
        "backbone": "mlp",
        "gp_weight": 10.0,
    }
