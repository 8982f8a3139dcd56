"""The vanilla config: what it refuses (with messages a user can act on) and what the builder makes of it."""

from __future__ import annotations

import pytest
import torch

from gan_core import ConfigError, DataInfo, resolve_config
from gan_core.testing import tiny_run_config
from gan_plugin_vanilla import VANILLA, MinimaxLoss, NonSaturatingLoss, VanillaConfig
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator

POINTS = DataInfo(shape=(2,), kind="points")


def _reject(**model: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve_config(VANILLA, file_data={"model": model})
    return caught.value


def test_unknown_loss_is_rejected_naming_the_allowed_values() -> None:
    error = _reject(loss="hinge")
    assert error.field == "model.loss"
    assert "'non-saturating'" in str(error) and "'minimax'" in str(error) and "'hinge'" in str(error)


def test_unknown_loss_is_rejected_from_the_command_line_form_too() -> None:
    with pytest.raises(ConfigError, match=r"model\.loss: must be 'non-saturating' or 'minimax', got 'hinge'"):
        resolve_config(VANILLA, overrides=["loss=hinge"])


@pytest.mark.parametrize("label", [0, 0.0, -0.5, 1.01])
def test_real_label_outside_zero_one_is_rejected(label: float) -> None:
    error = _reject(real_label=label)
    assert error.field == "model.real_label" and "(0.0, 1.0]" in str(error)


def test_real_label_of_one_and_of_point_nine_are_accepted() -> None:
    for label in (1.0, 0.9):
        assert resolve_config(VANILLA, file_data={"model": {"real_label": label}}).model.real_label == label


@pytest.mark.parametrize("field", ["g_hidden", "d_hidden"])
@pytest.mark.parametrize("sizes", [[], [0], [64, -1]])
def test_hidden_sizes_must_be_a_non_empty_list_of_positive_ints(field: str, sizes: list[int]) -> None:
    error = _reject(**{field: sizes})
    assert error.field == f"model.{field}" and "non-empty list of positive layer sizes" in str(error)


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ConfigError, match="g_hidden"):
        VanillaConfig(g_hidden=())
    with pytest.raises(ConfigError, match="real_label"):
        VanillaConfig(real_label=0.0)


def test_layer_sizes_come_from_the_config() -> None:
    config = tiny_run_config(VANILLA, latent_dim=5, g_hidden=[7, 9], d_hidden=[11]).model
    models = VANILLA.build(config, POINTS)
    assert isinstance(models.generator, MLPGenerator) and isinstance(models.discriminator, MLPDiscriminator)
    g_linear = [m for m in models.generator.modules() if isinstance(m, torch.nn.Linear)]
    d_linear = [m for m in models.discriminator.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in g_linear] == [(5, 7), (7, 9), (9, 2)]
    assert [(m.in_features, m.out_features) for m in d_linear] == [(2, 11), (11, 1)]


@pytest.mark.parametrize(("name", "cls"), [("minimax", MinimaxLoss), ("non-saturating", NonSaturatingLoss)])
def test_loss_and_label_smoothing_reach_the_built_loss(name: str, cls: type) -> None:
    config = tiny_run_config(VANILLA, loss=name, real_label=0.9, g_hidden=[4], d_hidden=[4]).model
    loss = VANILLA.build(config, POINTS).loss
    assert type(loss) is cls and loss.real_label == 0.9  # type: ignore[attr-defined]


def test_optimizer_settings_reach_the_optimizers() -> None:
    adam = VANILLA.build(
        tiny_run_config(VANILLA, lr=1e-3, beta1=0.3, beta2=0.9, g_hidden=[4], d_hidden=[4]).model, POINTS
    )
    for optimizer in (adam.g_optimizer, adam.d_optimizer):
        assert isinstance(optimizer, torch.optim.Adam)
        assert optimizer.defaults["lr"] == 1e-3 and optimizer.defaults["betas"] == (0.3, 0.9)
    sgd = VANILLA.build(
        tiny_run_config(VANILLA, optimizer="sgd", lr=0.1, momentum=0.7, g_hidden=[4], d_hidden=[4]).model, POINTS
    )
    for optimizer in (sgd.g_optimizer, sgd.d_optimizer):
        assert isinstance(optimizer, torch.optim.SGD)
        assert optimizer.defaults["lr"] == 0.1 and optimizer.defaults["momentum"] == 0.7
