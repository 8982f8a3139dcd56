"""The config: what each constraint resolves to, what it refuses (one line, saying why), and the builder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core import ConfigError, DataInfo, GradientPenalty, Noise, Registry, WeightClipping, resolve_config
from gan_core.cli import main
from gan_core.testing import tiny_run_config
from gan_plugin_wgan import WGAN, WassersteinLoss, WganConfig, build, resolve, wgan_step
from gan_plugin_wgan.models import ConvCritic, ConvGenerator, MLPCritic, MLPGenerator

POINTS = DataInfo(shape=(2,), kind="points", value_range=(-4.3, 4.3))
IMAGES = DataInfo(shape=(1, 28, 28), kind="image")


def test_defaults_resolve_to_the_papers_settings() -> None:
    gp = resolve(WganConfig(), IMAGES)
    assert (gp.backbone, gp.latent_dim, gp.critic_norm) == ("conv", 128, "layer")
    assert (gp.optimizer, gp.lr, gp.betas) == ("adam", 1e-4, (0.5, 0.9))
    clip = resolve(WganConfig(constraint="clip"), IMAGES)
    assert (clip.critic_norm, clip.optimizer, clip.lr) == ("batch", "rmsprop", 5e-5)
    points = resolve(WganConfig(), POINTS)
    assert (points.backbone, points.latent_dim, points.critic_norm) == ("mlp", 2, "none")
    assert (points.optimizer, points.lr, points.betas) == ("adam", 1e-3, (0.5, 0.9))  # the toy recipe's rate
    assert resolve(WganConfig(constraint="clip"), POINTS).lr == 5e-5  # clipping keeps the paper's rate
    assert (gp.gp_weight, points.gp_weight) == (10.0, 1.0)  # the paper's lambda; the toy recipe's (measured)
    assert resolve(WganConfig(gp_weight=3.0), POINTS).gp_weight == 3.0


def test_explicit_values_win_over_the_papers() -> None:
    config = WganConfig(constraint="clip", optimizer="adam", lr=3e-4, beta1=0.0, latent_dim=7, critic_norm="none")
    settings = resolve(config, IMAGES)
    assert (settings.optimizer, settings.lr, settings.betas, settings.latent_dim) == ("adam", 3e-4, (0.0, 0.9), 7)
    assert settings.critic_norm == "none"


def test_the_builder_makes_what_the_config_says() -> None:
    gp = build(WganConfig(width=8), IMAGES)
    assert isinstance(gp.generator, ConvGenerator) and isinstance(gp.discriminator, ConvCritic)
    # WGAN-GP is the Wasserstein loss with the gradient penalty as the game's regulariser, played by WGAN's step
    assert gp.loss == WassersteinLoss() and gp.regularizers == (GradientPenalty(10.0),) and gp.step is wgan_step
    assert build(WganConfig(), POINTS).regularizers == (GradientPenalty(1.0),)
    assert build(WganConfig(gp_weight=3.0), POINTS).regularizers == (GradientPenalty(3.0),)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in gp.discriminator.modules())
    assert any(isinstance(m, torch.nn.GroupNorm) for m in gp.discriminator.modules())
    for optimizer in (gp.g_optimizer, gp.d_optimizer):
        assert isinstance(optimizer, torch.optim.Adam)
        assert optimizer.defaults["lr"] == 1e-4 and optimizer.defaults["betas"] == (0.5, 0.9)
    clip = build(WganConfig(constraint="clip", clip_value=0.05, width=8), IMAGES)
    assert clip.loss == WassersteinLoss() and clip.regularizers == (WeightClipping(0.05),) and clip.step is wgan_step
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in clip.discriminator.modules())
    for optimizer in (clip.g_optimizer, clip.d_optimizer):
        assert isinstance(optimizer, torch.optim.RMSprop) and optimizer.defaults["lr"] == 5e-5


def test_points_get_the_toy_mlps_with_a_linear_output() -> None:
    game = build(tiny_run_config(WGAN, hidden=[8, 8, 8]).model, POINTS)
    assert isinstance(game.generator, MLPGenerator) and isinstance(game.discriminator, MLPCritic)
    assert game.inputs == Noise(2)  # the toy script's 2-d noise
    linear = [m for m in game.generator.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(2, 8), (8, 8), (8, 8), (8, 2)]
    with torch.no_grad():
        last = linear[-1]
        last.bias.fill_(100.0)  # far outside the data's range: nothing squashes it back
        assert float(game.generator(torch.zeros(3, 2)).min()) > 99


def test_batch_norm_with_the_gradient_penalty_is_refused_saying_why() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_config(WGAN, overrides=["critic_norm=batch"])
    message = str(caught.value)
    assert message.startswith("model.critic_norm:") and "gradient penalty" in message and "\n" not in message
    assert resolve_config(WGAN, overrides=["critic_norm=batch", "constraint=clip"]).model.critic_norm == "batch"


def test_adam_betas_with_rmsprop_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"model\.beta1: betas are Adam's"):
        resolve_config(WGAN, overrides=["constraint=clip", "beta1=0.5"])
    assert resolve_config(WGAN, overrides=["constraint=clip", "optimizer=adam", "beta1=0.5"]).model.beta1 == 0.5


def test_a_convolutional_network_for_points_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"model\.backbone: 'conv' needs image data"):
        build(WganConfig(backbone="conv"), POINTS)


def test_unknown_constraint_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"model\.constraint: must be 'gp' or 'clip', got 'hinge'"):
        resolve_config(WGAN, overrides=["constraint=hinge"])


def test_cli_refuses_batch_norm_with_gp_in_one_line_with_exit_code_2(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "wgan", "--dataset", "ring8", "--out", str(tmp_path / "r"), "--set", "critic_norm=batch"]
    code = main(argv, registry=registry)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "model.critic_norm" in err
    assert not (tmp_path / "r").exists()


def test_train_then_sample_through_the_cli(tmp_path: Path, registry: Registry) -> None:
    run = tmp_path / "run"
    argv = ["train", "wgan", "--dataset", "grid25", "--steps", "3", "--out", str(run), "--set", "progress=false"]
    assert main([*argv, "--set", "hidden=[16, 16]", "--set", "batch_size=32"], registry=registry) == 0
    out = tmp_path / "s.npy"
    assert main(["sample", str(run), "--n", "100", "--out", str(out)], registry=registry) == 0
    samples = np.load(out)
    assert samples.shape == (100, 2) and np.isfinite(samples).all()


def test_the_plugin_registers_its_variant_and_the_wasserstein_loss(registry: Registry) -> None:
    """Only the loss: the constraints are the core's regularisers, so any variant may name
    ``wasserstein`` (and must then constrain its critic itself)."""
    report = next(report for report in registry.plugins if report.name == "gan_plugin_wgan.plugin")
    assert report.ok and report.provides == {"variant": ("wgan",), "loss": ("wasserstein",)}
    assert registry.variant("wgan") is WGAN
    assert registry.loss("wasserstein").factory() == WassersteinLoss()
