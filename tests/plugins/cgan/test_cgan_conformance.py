"""The cgan variant through the plugin-author conformance kit: both backbones in every conditioning
mode, with tiny widths so that the whole kit runs in seconds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from gan_core.testing import VariantConformance, check_models
from gan_plugin_cgan import CGAN

# Values the cgan config must refuse beyond wrong types (the kit adds those for every field). Not
# model.loss: it names any registered loss, and an unknown one is refused when the game is built.
BAD_VALUES: Mapping[str, list[Any]] = {
    "backbone": ["resnet", "MLP", ""],
    "conditioning": ["onehot", "concat", "cbn", ""],
    "latent_dim": [0, -3],
    "embed_dim": [0],
    "width": [0, -16],
    "g_norm": ["spectral", "instance"],
    "d_norm": ["spectral"],
    "g_hidden": [[], [0], [32, -1]],
    "d_hidden": [[], [-8]],
    "leaky_slope": [-0.1, 1.0],
    "dropout": [1.0, -0.5],
    "real_label": [0, 0.0, 1.5],
    "lr": [0, -1e-4],
    "beta1": [1.0, -0.1],
    "beta2": [1.0],
}

_CONV = {"backbone": "conv", "latent_dim": 8, "embed_dim": 4, "width": 4}
_MLP = {"backbone": "mlp", "latent_dim": 4, "embed_dim": 3, "g_hidden": [16, 16], "d_hidden": [16, 16]}


class _Conv(VariantConformance):
    """One-channel 28x28 images with ten classes, as in the default mnist-5k run."""

    variant = CGAN
    data_shape = (1, 28, 28)
    num_classes = 10


class _Mlp(VariantConformance):
    """Labelled 2-D points, as in ``gan train cgan --dataset ring8 --set backbone=mlp``."""

    variant = CGAN
    data_shape = (2,)
    num_classes = 8


class TestConvOneHot(_Conv):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_CONV, "conditioning": "one-hot"}
    bad_config = BAD_VALUES


class TestConvEmbedding(_Conv):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_CONV, "conditioning": "embedding", "d_norm": "layer"}


class TestConvProjection(_Conv):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_CONV, "conditioning": "projection", "g_norm": "none"}


class TestMlpOneHot(_Mlp):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_MLP, "conditioning": "one-hot", "loss": "minimax"}


class TestMlpEmbedding(_Mlp):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_MLP, "conditioning": "embedding", "dropout": 0.0}


class TestMlpProjection(_Mlp):
    config_overrides: ClassVar[Mapping[str, Any]] = {**_MLP, "conditioning": "projection"}


@pytest.mark.parametrize(
    ("data_shape", "overrides"),
    [
        pytest.param((3, 32, 32), {**_MLP, "conditioning": "projection"}, id="mlp-colour-32"),
        pytest.param((3, 32, 32), {**_CONV, "conditioning": "embedding"}, id="conv-colour-32"),
        pytest.param((1, 64, 64), {**_CONV, "conditioning": "one-hot"}, id="conv-grey-64"),
    ],
)
def test_other_image_shapes_build_with_the_right_shapes(data_shape: tuple[int, ...], overrides: dict[str, Any]) -> None:
    """Colour and larger images (rendered-digits, CIFAR-10, 64x64 folders): the kit's model check only,
    since training is the same code as on 28x28."""
    check_models(CGAN, data_shape=data_shape, num_classes=3, config_overrides=overrides)
