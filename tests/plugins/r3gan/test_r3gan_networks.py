"""R3GAN's networks: fix-up initialisation, the resampling filter, grouped convolutions, the game."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gan_core import R1, R2, DataInfo, Noise, Registry, RpGANLoss
from gan_core.testing import check_training_step, tiny_run_config
from gan_plugin_r3gan import R3GAN, R3Discriminator, R3Generator, ResidualBlock
from gan_plugin_r3gan.config import R3GANConfig
from gan_plugin_r3gan.networks import LEAKY_GAIN, MinibatchStd, Resample, _lowpass, inward_clamp

DIGITS = DataInfo(shape=(1, 28, 28), kind="image", num_classes=10)


def test_a_residual_block_starts_as_the_identity() -> None:
    """Fix-up: the block's last convolution is zero at initialisation, so the network starts as its stem."""
    block = ResidualBlock(16, cardinality=4, expansion=2, total_blocks=3)
    x = torch.randn(2, 16, 5, 5)
    assert torch.equal(block(x), x)
    assert block.spatial.groups == 4 and block.spatial.in_channels == 32


def test_the_fixup_scaling_shrinks_the_weights_with_the_number_of_blocks() -> None:
    torch.manual_seed(0)
    one = ResidualBlock(64, 8, 2, total_blocks=1).expand.weight.std().item()
    torch.manual_seed(0)
    sixteen = ResidualBlock(64, 8, 2, total_blocks=16).expand.weight.std().item()
    assert one == pytest.approx(LEAKY_GAIN / 64**0.5, rel=0.05)  # He et al.'s N(0, gain^2 / fan_in)
    assert sixteen / one == pytest.approx(16 ** (-1 / 4), rel=1e-6)  # L^(-1/(2m-2)) with m = 3


def test_the_resampling_filter_is_1_3_3_1_squared_and_keeps_a_constant_image_constant() -> None:
    kernel = _lowpass((1.0, 2.0, 1.0))
    assert torch.allclose(kernel * 64, torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1])))
    flat = torch.ones(1, 2, 8, 8)
    up, down = Resample(2, 2, up=True)(flat), Resample(2, 2, up=False)(flat)
    assert up.shape == (1, 2, 16, 16) and down.shape == (1, 2, 4, 4)
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.ones_like(up[..., 2:-2, 2:-2]))  # away from the zero border
    assert torch.allclose(down[..., 1:-1, 1:-1], torch.ones_like(down[..., 1:-1, 1:-1]))


def test_the_networks_are_sized_by_the_images() -> None:
    g = R3Generator(8, (3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2)
    d = R3Discriminator((3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2)
    samples = g(torch.randn(4, 8))
    assert samples.shape == (4, 3, 28, 28) and samples.abs().max() <= 1
    assert g.basis.shape == (16, 7, 7)  # 28 = 7 x 2^2: the learned basis is 7x7
    assert d(samples).shape == (4,)


def test_the_game_is_rpgan_with_r1_and_r2_and_adam_with_beta1_zero(registry: Registry) -> None:
    from gan_core._toolkit import make_game

    config = tiny_run_config(R3GAN, g_widths=[16, 8], d_widths=[8, 8], group_width=8, latent_dim=12)
    game = make_game(R3GAN, config, DIGITS, registry)
    assert isinstance(game.loss, RpGANLoss) and game.loss.relativistic
    assert game.regularizers == (R1(0.1, 4), R2(0.1, 4))  # the variant's train defaults: the core's R1 and R2
    assert game.inputs == Noise(12)
    assert game.g_optimizer.param_groups[0]["betas"] == (0.0, 0.99)
    no_penalty = tiny_run_config(R3GAN, g_widths=[16, 8], group_width=8, **{"train.r1": 0.0, "train.r2": 0.0})
    assert make_game(R3GAN, no_penalty, DIGITS, registry).regularizers == ()


def test_points_and_bad_sizes_are_one_line_errors(registry: Registry) -> None:
    from gan_core import ConfigError

    config = tiny_run_config(R3GAN).model
    with pytest.raises(ConfigError, match=r"^train\.dataset: r3gan trains on images"):
        R3GAN.build_game(config, DataInfo(shape=(2,), kind="points"), registry)
    with pytest.raises(
        ConfigError, match=r"^train\.image_size: r3gan cannot be built for images of shape \(1, 30, 30\)"
    ):
        R3GAN.build_game(config, DataInfo(shape=(1, 30, 30), kind="image"), registry)


def test_the_output_clamp_passes_only_gradients_that_lead_back_into_the_range() -> None:
    """R3GAN's output is linear; the clamp keeps samples in range and, unlike tanh, never loses the
    gradient of an element that the loss would bring back in."""
    x = torch.tensor([-3.0, -3.0, 0.5, 0.5, 2.0, 2.0], requires_grad=True)
    out = inward_clamp(x, -1.0, 1.0)
    assert out.tolist() == [-1.0, -1.0, 0.5, 0.5, 1.0, 1.0]
    # d loss / d out: a descent step moves each element by -grad
    out.backward(torch.tensor([-1.0, 1.0, -1.0, 1.0, 1.0, -1.0]))
    assert x.grad is not None
    assert x.grad.tolist() == [-1.0, 0.0, -1.0, 1.0, 1.0, 0.0]  # up from -3 kept, further down dropped, ...


def test_the_minibatch_deviation_of_a_batch_computed_by_hand() -> None:
    """Groups of 2 in a batch of 4 pair samples 0 with 2 and 1 with 3 (StyleGAN2's layout); the extra
    channel is each group's population deviation, averaged over the channels of its set."""
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 4.0], [3.0, 3.0]]).view(4, 2, 1, 1)
    one = MinibatchStd(group_size=2)(x)
    assert one.shape == (4, 3, 1, 1) and torch.equal(one[:, :2], x)
    # group (0, 2): deviations 1 and 2, mean 1.5; group (1, 3): 1 and 1
    assert one[:, 2].flatten().tolist() == pytest.approx([1.5, 1.0, 1.5, 1.0], abs=1e-6)
    two = MinibatchStd(group_size=2, channels=2)(x)  # one channel per set of channels
    assert torch.allclose(two[:, 2:].flatten(1), torch.tensor([[1.0, 2], [1, 1], [1, 2], [1, 1]]), atol=1e-6)
    # a batch that the group size does not divide: the largest divisor below it (5: groups of 1, no spread)
    assert MinibatchStd(group_size=4)(torch.randn(5, 2, 3, 3))[:, 2].max().item() == pytest.approx(1e-4)
    whole = MinibatchStd(group_size=4)(x)[:, 2, 0, 0]  # 4 divides 4: one group, one value for all
    assert torch.allclose(whole, whole[:1].expand(4))


def test_the_minibatch_deviation_lets_a_score_read_the_other_samples() -> None:
    """Without it every score is a function of its own sample; with it, of its group too."""
    x = torch.randn(4, 3, 28, 28)
    changed = x.clone()
    changed[2] += 1.0  # in sample 0's group of 2 (samples 0 and 2)
    for group, coupled in ((0, False), (2, True)):
        torch.manual_seed(0)
        d = R3Discriminator((3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2, mbstd_group=group)
        with torch.no_grad():
            moved = (d(x) - d(changed))[[0, 1]].abs()
        assert (moved[0] > 1e-6) == coupled and moved[1] < 1e-6  # sample 1's group (1, 3) is untouched


def test_the_linear_stem_is_a_full_map_of_the_noise_onto_the_small_map() -> None:
    g = R3Generator(8, (3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2, stem="linear")
    assert g.project.weight.shape == (16 * 7 * 7, 8) and not hasattr(g, "basis")
    assert g(torch.randn(4, 8)).shape == (4, 3, 28, 28)
    basis = R3Generator(8, (3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2)
    assert {"basis", "scale.weight"} <= set(basis.state_dict())  # the networks' own default: R3GAN's stem


def test_the_departures_from_r3gan_are_checked_settings() -> None:
    from gan_core import ConfigError

    with pytest.raises(ConfigError, match=r"^stem: .*basis.*linear"):
        R3GANConfig(stem="conv")
    small_map = r"^mbstd_channels: must divide the discriminator's width at the small map \(32\), got 3"
    with pytest.raises(ConfigError, match=small_map):
        R3GANConfig(mbstd_group=4, mbstd_channels=3)
    assert R3GANConfig(mbstd_group=0, mbstd_channels=3).mbstd_group == 0  # off: the channels are not read


def _packed(pack: int) -> R3Discriminator:
    torch.manual_seed(0)
    return R3Discriminator((3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2, pack=pack)


def test_a_pack_of_one_is_the_default_discriminator_unchanged() -> None:
    torch.manual_seed(0)
    default = R3Discriminator((3, 28, 28), widths=(16, 8), blocks=1, cardinality_width=8, expansion=2)
    one = _packed(1)
    assert default.state_dict().keys() == one.state_dict().keys()
    assert all(torch.equal(a, b) for a, b in zip(default.state_dict().values(), one.state_dict().values(), strict=True))
    x = torch.randn(5, 3, 28, 28)  # any batch: one is every batch's divisor
    with torch.no_grad():
        assert torch.equal(default(x), one(x))


def test_a_packed_discriminator_scores_consecutive_samples_together() -> None:
    """Packs of 2 in a batch of 4 are samples (0, 1) and (2, 3), their channels stacked in that order;
    each sample gets its pack's score, and a score reads its own pack and no other."""
    d = _packed(2)
    assert d.from_image.in_channels == 6
    x = torch.randn(4, 3, 28, 28)
    with torch.no_grad():
        scores = d(x)
        assert scores.shape == (4,) and scores[0] == scores[1] and scores[2] == scores[3]
        by_hand = d.head(d.basis(d.body(d.from_image(torch.cat([x[2], x[3]])[None]))).flatten(1))
        assert torch.allclose(scores[2], by_hand.flatten()[0], atol=1e-6)
        changed = x.clone()
        changed[1] += 1.0  # in pack (0, 1)
        moved = (scores - d(changed)).abs()
    assert moved[0] > 1e-6 and moved[2] < 1e-6


def test_packed_scores_make_the_losses_means_over_packs_and_r1_m_times_a_packs() -> None:
    """RpGAN over repeated scores is RpGAN over packs; R1's per-sample mean of the summed scores'
    gradient is m times the mean over packs of each pack's own gradient norm (the docstring's rule)."""
    d, m = _packed(2), 2
    real, fake = torch.randn(4, 3, 28, 28), torch.randn(4, 3, 28, 28)
    loss = RpGANLoss()
    with torch.no_grad():
        packs_real, packs_fake = d(real)[::m], d(fake)[::m]
        assert torch.allclose(
            loss.discriminator_loss(d(real), d(fake)), loss.discriminator_loss(packs_real, packs_fake), atol=1e-6
        )
    penalty = R1(gamma=2.0).penalty(d, real, fake, None)  # gamma / 2 = 1
    x = real.clone().requires_grad_(True)
    per_pack = []
    for start in range(0, 4, m):
        (grad,) = torch.autograd.grad(d(x)[start], x)  # the pack's one score, by its own members
        per_pack.append(grad[start : start + m].square().sum())
    assert torch.allclose(penalty, m * torch.stack(per_pack).mean(), rtol=1e-5)


def test_a_batch_the_pack_does_not_divide_is_a_one_line_error() -> None:
    from gan_core import ConfigError

    with pytest.raises(ConfigError, match=r"^model\.pack: a batch of 5 samples does not split into packs of 2"):
        _packed(2)(torch.randn(5, 3, 28, 28))
    with pytest.raises(ConfigError, match=r"^pack: "):
        R3GANConfig(pack=0)


def test_a_packed_r3gan_trains_a_step_with_its_penalties(tmp_path: Path) -> None:
    small = {"latent_dim": 8, "g_widths": [16, 8], "d_widths": [8, 8], "group_width": 8}
    check_training_step(R3GAN, tmp_path, data_shape=(3, 28, 28), config_overrides={**small, "pack": 2})
