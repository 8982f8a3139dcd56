"""The vanilla config: what it refuses (with messages a user can act on) and what the builder makes of it."""

from __future__ import annotations

import pytest
import torch
from vanilla_helpers import MarginLoss, MarginPlugin

import gan_plugin_vanilla.plugin
from gan_core import ConfigError, DataInfo, Noise, Registry, create_registry, resolve_config
from gan_core.testing import tiny_run_config
from gan_plugin_vanilla import VANILLA, MinimaxLoss, NonSaturatingLoss, VanillaConfig
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator

POINTS = DataInfo(shape=(2,), kind="points")


def _reject(**model: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve_config(VANILLA, file_data={"model": model})
    return caught.value


@pytest.mark.parametrize("name", ["minimax", "core:non-saturating", "margin", "least-squares-example"])
def test_the_config_takes_any_loss_name(name: str) -> None:
    """Any plugin may register a loss for vanilla, so the config cannot hold a closed list: the name
    is looked up only when the game is built."""
    assert resolve_config(VANILLA, overrides=[f"loss={name}"]).model.loss == name
    assert resolve_config(VANILLA, file_data={"model": {"loss": name}}).model.loss == name


def test_an_unknown_loss_is_refused_when_the_game_is_built_naming_the_available_ones(registry: Registry) -> None:
    config = tiny_run_config(VANILLA, loss="margin", g_hidden=[4], d_hidden=[4]).model
    with pytest.raises(ConfigError) as caught:
        VANILLA.build_game(config, POINTS, registry)
    assert caught.value.field == "model.loss"
    assert (
        str(caught.value)
        == "model.loss: unknown loss 'margin'; available: hinge, least-squares, minimax, non-saturating, rpgan"
    )


@pytest.mark.parametrize("name", ["margin", "margin-example:margin"])
def test_a_loss_another_plugin_registers_is_the_games_loss(name: str) -> None:
    registry = create_registry(
        plugins={"vanilla": gan_plugin_vanilla.plugin, "margin-example": MarginPlugin()}, entry_points=False
    )
    config = tiny_run_config(VANILLA, loss=name, g_hidden=[4], d_hidden=[4]).model
    assert isinstance(VANILLA.build_game(config, POINTS, registry).loss, MarginLoss)


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
    game = VANILLA.build(config, POINTS)
    assert isinstance(game.generator, MLPGenerator) and isinstance(game.discriminator, MLPDiscriminator)
    g_linear = [m for m in game.generator.modules() if isinstance(m, torch.nn.Linear)]
    d_linear = [m for m in game.discriminator.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in g_linear] == [(5, 7), (7, 9), (9, 2)]
    assert [(m.in_features, m.out_features) for m in d_linear] == [(2, 11), (11, 1)]
    assert game.inputs == Noise(5)  # what the trainer, the grids and `gan sample` draw for it


@pytest.mark.parametrize(("name", "cls"), [("minimax", MinimaxLoss), ("non-saturating", NonSaturatingLoss)])
def test_loss_and_label_smoothing_reach_the_built_loss(name: str, cls: type, registry: Registry) -> None:
    config = tiny_run_config(VANILLA, loss=name, real_label=0.9, g_hidden=[4], d_hidden=[4]).model
    game = VANILLA.build(config, POINTS)
    assert game.loss == name and game.loss_options == {"real_label": 0.9}  # the builder names the loss ...
    loss = VANILLA.build_game(config, POINTS, registry).loss  # ... and the registry's factory makes it
    assert type(loss) is cls and loss.real_label == 0.9  # type: ignore[attr-defined]


def test_without_smoothing_the_loss_gets_no_options(registry: Registry) -> None:
    """``real_label = 1`` passes nothing, so a loss without a ``real_label`` keyword can be named too."""
    config = tiny_run_config(VANILLA, g_hidden=[4], d_hidden=[4]).model
    assert VANILLA.build(config, POINTS).loss_options == {}
    assert VANILLA.build_game(config, POINTS, registry).loss == NonSaturatingLoss()


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


def test_smoothing_with_a_loss_that_has_no_real_label_is_one_line() -> None:
    """Label smoothing is a setting of the BCE losses: asking for it with a loss that cannot take it is a
    configuration error naming the loss and the option, not a TypeError from deep inside the build."""
    registry = create_registry(
        plugins={"vanilla": gan_plugin_vanilla.plugin, "margin-example": MarginPlugin()}, entry_points=False
    )
    config = tiny_run_config(VANILLA, loss="margin", real_label=0.9, g_hidden=[4], d_hidden=[4]).model
    with pytest.raises(ConfigError) as caught:
        VANILLA.build_game(config, POINTS, registry)
    assert caught.value.field == "model.loss"
    assert str(caught.value).startswith("model.loss: the loss 'margin' does not take real_label=0.9 (")
    assert "\n" not in str(caught.value)
