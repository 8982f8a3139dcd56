"""The vanilla variant through the plugin-author conformance kit, on points and on images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from vanilla_helpers import MarginPlugin

from gan_core.testing import VariantConformance
from gan_plugin_vanilla import VANILLA

# Values the vanilla config must refuse beyond wrong types (the kit adds those for every field). Not
# model.loss: it names any registered loss, and an unknown one is refused when the game is built.
BAD_VALUES: Mapping[str, list[Any]] = {
    "latent_dim": [0, -3],
    "g_hidden": [[], [0], [32, -1]],
    "d_hidden": [[], [-8]],
    "leaky_slope": [-0.1, 1.0],
    "dropout": [1.0, -0.5],
    "real_label": [0, 0.0, -0.1, 1.5],
    "optimizer": ["rmsprop"],
    "lr": [0, -1e-4],
    "beta1": [1.0, -0.1],
    "beta2": [1.0],
    "momentum": [1.0],
}


class TestVanillaConformance(VariantConformance):
    """2-D points, as in ``gan train vanilla --dataset ring8``."""

    variant = VANILLA
    data_shape = (2,)
    config_overrides: ClassVar[Mapping[str, Any]] = {"latent_dim": 4, "g_hidden": [16, 16], "d_hidden": [16, 16]}
    bad_config = BAD_VALUES


class TestVanillaImageConformance(VariantConformance):
    """One-channel 28x28 images, as in the default ``mnist-5k`` run, with shrunken hidden layers."""

    variant = VANILLA
    data_shape = (1, 28, 28)
    config_overrides: ClassVar[Mapping[str, Any]] = {
        "latent_dim": 8,
        "g_hidden": [32],
        "d_hidden": [32],
        "loss": "minimax",
        "optimizer": "sgd",
    }


class TestVanillaWithAnotherPluginsLossConformance(VariantConformance):
    """2-D points with a loss that a test plugin registers: the whole kit (train, resume, sample) runs
    through the registry's lookup of ``model.loss``."""

    variant = VANILLA
    data_shape = (2,)
    config_overrides: ClassVar[Mapping[str, Any]] = {
        "latent_dim": 4,
        "g_hidden": [16],
        "d_hidden": [16],
        "loss": "margin",
    }
    plugins: ClassVar[Sequence[object]] = (MarginPlugin(),)
