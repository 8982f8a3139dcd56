"""The training step: clipping after every critic update (the game's regulariser, applied by the core's
discriminator update), k critic updates per generator update, the Wasserstein estimate in the log, and
the learning-rate schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import torch

from gan_core import Game, GanTrainer, RunDir, StepFn, alternating_step
from gan_core.regularizers import clip_weights_
from gan_core.testing import synthetic_data, tiny_run_config
from gan_plugin_wgan import WGAN, build

TINY = {"latent_dim": 4, "hidden": [16, 16]}


def _train(
    tmp_path: Path, steps: int = 2, step: StepFn | None = None, **overrides: Any
) -> tuple[Game, list[dict[str, float]]]:
    """Train on synthetic points, keeping the very game the trainer played (Accelerate on one
    process trains its networks in place); ``step`` replaces WGAN's step in the game."""
    built: list[Game] = []

    def keep(config: Any, data: Any) -> Game:
        game = build(config, data)
        built.append(game if step is None else attrs.evolve(game, step=step))
        return built[-1]

    variant = attrs.evolve(WGAN, build=keep)
    config = tiny_run_config(WGAN, **{**TINY, "train.steps": steps, **overrides})
    GanTrainer(variant, config, tmp_path / "run", data=synthetic_data((2,))).fit()
    log = RunDir(tmp_path / "run").read_log()
    return built[0], log


def test_every_critic_weight_lies_within_the_clip_bounds_after_a_step(tmp_path: Path) -> None:
    game, _ = _train(tmp_path, constraint="clip", clip_value=0.02)
    params = [p.detach() for p in game.discriminator.parameters()]
    assert all(float(p.abs().max()) <= 0.02 for p in params)
    # the bound binds: PyTorch's default initialisation puts most weights of Linear(2, 16) beyond 0.02
    assert sum(int((p.abs() == 0.02).sum()) for p in params) > 10
    assert any(float(p.detach().abs().max()) > 0.02 for p in game.generator.parameters())  # G is never clipped


def test_clipping_belongs_to_the_game_so_the_cores_step_clips_too(tmp_path: Path) -> None:
    """The constraint is the game's regulariser, applied by the core's discriminator update whatever
    step plays the game; WGAN's step adds only the logged estimate."""
    game, log = _train(tmp_path, step=alternating_step, constraint="clip", clip_value=0.02)
    assert all(float(p.detach().abs().max()) <= 0.02 for p in game.discriminator.parameters())
    assert "d_loss" in log[-1] and "wasserstein" not in log[-1]  # the core's step played it


def test_the_gradient_penalty_variant_does_not_clip(tmp_path: Path) -> None:
    game, _ = _train(tmp_path)
    assert max(float(p.detach().abs().max()) for p in game.discriminator.parameters()) > 0.1


def test_clip_weights_clamps_in_place() -> None:
    layer = torch.nn.Linear(3, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(-1, 1, 9).reshape(3, 3))
    clip_weights_(layer, 0.5)
    weight = layer.weight.detach()
    assert float(weight.max()) == 0.5 and float(weight.min()) == -0.5
    assert float(weight[1, 1]) == 0.0  # inside the bounds: untouched


@pytest.mark.parametrize("constraint", ["gp", "clip"])
def test_the_wasserstein_estimate_is_logged_every_step(tmp_path: Path, constraint: str) -> None:
    _, log = _train(tmp_path, steps=3, constraint=constraint)
    losses = [row for row in log if "d_loss" in row]
    assert [row["step"] for row in losses] == [1, 2, 3]
    for row in losses:
        assert row["wasserstein"] == pytest.approx(-row["d_loss"])  # E[f(x)] - E[f(G(z))]
        assert ("penalty" in row) == (constraint == "gp")
        assert all(torch.isfinite(torch.tensor(value)) for value in row.values())


def test_five_critic_updates_per_generator_update(tmp_path: Path) -> None:
    assert WGAN.train_defaults["d_steps"] == 5  # both papers' n_critic
    game, _ = _train(tmp_path, steps=2)
    assert game.d_optimizer.state_dict()["state"][0]["step"] == 10
    assert game.g_optimizer.state_dict()["state"][0]["step"] == 2


def test_the_variant_decays_both_rates_linearly_by_default(tmp_path: Path) -> None:
    """Gulrajani et al.'s linear decay, through the core's ``train.lr_decay`` (the variant's default)."""
    assert WGAN.train_defaults["lr_decay"] == "linear"
    game, log = _train(tmp_path, steps=4, **{"train.log_every": 1})
    assert [row["lr"] for row in log if "lr" in row] == pytest.approx([1e-3 * f for f in (1.0, 0.75, 0.5, 0.25)])
    assert game.d_optimizer.param_groups[0]["lr"] == pytest.approx(game.g_optimizer.param_groups[0]["lr"])


def test_without_decay_the_learning_rate_is_constant(tmp_path: Path) -> None:
    _, log = _train(tmp_path, steps=2, **{"train.lr_decay": "none", "train.log_every": 1})
    assert [row["lr"] for row in log if "lr" in row] == pytest.approx([1e-3, 1e-3])  # POINTS_GP_LR
