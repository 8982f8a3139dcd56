"""The training step: clipping after every critic update, k critic updates per generator update, the
Wasserstein estimate in the log, and the learning-rate schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
import torch

from gan_core import GanTrainer
from gan_core.testing import synthetic_data, tiny_run_config
from gan_plugin_wgan import WGAN, build, clip_weights_

TINY = {"latent_dim": 4, "hidden": [16, 16]}


def _train(tmp_path: Path, steps: int = 2, **overrides: Any) -> tuple[Any, list[dict[str, float]]]:
    """Train on synthetic points, keeping the very models the trainer trained (Accelerate on one
    process trains them in place)."""
    built: list[Any] = []

    def keep(config: Any, data: Any) -> Any:
        built.append(build(config, data))
        return built[-1]

    variant = attrs.evolve(WGAN, build=keep)
    config = tiny_run_config(WGAN, **{**TINY, "train.steps": steps, **overrides})
    GanTrainer(variant, config, tmp_path / "run", data=synthetic_data((2,))).fit()
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    return built[0], log


def test_every_critic_weight_lies_within_the_clip_bounds_after_a_step(tmp_path: Path) -> None:
    models, _ = _train(tmp_path, constraint="clip", clip_value=0.02)
    params = [p.detach() for p in models.discriminator.parameters()]
    assert all(float(p.abs().max()) <= 0.02 for p in params)
    # the bound binds: PyTorch's default initialisation puts most weights of Linear(2, 16) beyond 0.02
    assert sum(int((p.abs() == 0.02).sum()) for p in params) > 10
    assert any(float(p.detach().abs().max()) > 0.02 for p in models.generator.parameters())  # G is never clipped


def test_the_gradient_penalty_variant_does_not_clip(tmp_path: Path) -> None:
    models, _ = _train(tmp_path)
    assert max(float(p.detach().abs().max()) for p in models.discriminator.parameters()) > 0.1


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
    models, _ = _train(tmp_path, steps=2)
    assert models.d_optimizer.state_dict()["state"][0]["step"] == 10
    assert models.g_optimizer.state_dict()["state"][0]["step"] == 2


def test_the_variant_decays_both_rates_linearly_by_default(tmp_path: Path) -> None:
    """Gulrajani et al.'s linear decay, through the core's ``train.lr_decay`` (the variant's default)."""
    assert WGAN.train_defaults["lr_decay"] == "linear"
    models, log = _train(tmp_path, steps=4, **{"train.log_every": 1})
    assert [row["lr"] for row in log if "lr" in row] == pytest.approx([1e-3 * f for f in (1.0, 0.75, 0.5, 0.25)])
    assert models.d_optimizer.param_groups[0]["lr"] == pytest.approx(models.g_optimizer.param_groups[0]["lr"])


def test_without_decay_the_learning_rate_is_constant(tmp_path: Path) -> None:
    _, log = _train(tmp_path, steps=2, **{"train.lr_decay": "none", "train.log_every": 1})
    assert [row["lr"] for row in log if "lr" in row] == pytest.approx([1e-3, 1e-3])  # POINTS_GP_LR
