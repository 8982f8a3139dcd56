"""The vanilla GAN's losses against the paper's formulas, written out naively.

The naive forms (``log(sigmoid(l))``) are only trusted on moderate logits, where they are accurate in
float64; the library's softplus forms must agree there and stay finite everywhere.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor

import gan_core.losses
import gan_plugin_vanilla.losses
from gan_core import Loss
from gan_plugin_vanilla.losses import (
    MinimaxLoss,
    NonSaturatingLoss,
    discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
)
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator


def _logits(n: int, seed: int, scale: float = 3.0) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * scale


def _naive_value(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """The minibatch estimate of ``V(D, G) = E log D(x) + E log(1 - D(G(z)))``, with ``D = sigmoid(l)``."""
    return torch.log(torch.sigmoid(real_logits)).mean() + torch.log(1 - torch.sigmoid(fake_logits)).mean()


REAL, FAKE = _logits(64, seed=1), _logits(64, seed=2)


def test_discriminator_loss_is_the_textbook_cross_entropy() -> None:
    d_real, d_fake = torch.sigmoid(REAL), torch.sigmoid(FAKE)
    expected = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    torch.testing.assert_close(discriminator_loss(REAL, FAKE), expected, rtol=1e-12, atol=1e-12)


def test_generator_losses_are_the_textbook_formulas() -> None:
    d_fake = torch.sigmoid(FAKE)
    torch.testing.assert_close(minimax_generator_loss(FAKE), torch.log(1 - d_fake).mean(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(non_saturating_generator_loss(FAKE), -torch.log(d_fake).mean(), rtol=1e-12, atol=1e-12)


def test_discriminator_loss_is_minus_the_value_function_estimate() -> None:
    """Maximising V over D is minimising the discriminator loss: on real networks and samples,
    the loss is exactly ``-V`` estimated on the batch."""
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=3, sample_shape=(2,), hidden=[8]).double()
    discriminator = MLPDiscriminator(sample_shape=(2,), hidden=[8], dropout=0.0).double()
    x = torch.randn(32, 2, dtype=torch.float64)
    fake = generator(torch.randn(32, 3, dtype=torch.float64))
    real_logits, fake_logits = discriminator(x), discriminator(fake)
    value = _naive_value(real_logits, fake_logits)
    torch.testing.assert_close(discriminator_loss(real_logits, fake_logits), -value, rtol=1e-12, atol=1e-12)
    # and the minimax generator minimises the same V (its fake term; the real term does not depend on G)
    real_term = torch.log(torch.sigmoid(real_logits)).mean()
    torch.testing.assert_close(minimax_generator_loss(fake_logits), value - real_term, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_losses_stay_finite_for_extreme_logits(dtype: torch.dtype) -> None:
    big = torch.tensor([1e4, -1e4], dtype=dtype, requires_grad=True)
    confident_right = discriminator_loss(big[:1], big[1:])  # D(x) -> 1, D(G(z)) -> 0: loss -> 0
    confident_wrong = discriminator_loss(big[1:], big[:1])  # D(x) -> 0, D(G(z)) -> 1: loss -> 2e4
    assert confident_right.item() == pytest.approx(0.0, abs=1e-6)
    assert confident_wrong.item() == pytest.approx(2e4, rel=1e-6)
    assert non_saturating_generator_loss(big[1:]).item() == pytest.approx(1e4, rel=1e-6)
    assert minimax_generator_loss(big[:1]).item() == pytest.approx(-1e4, rel=1e-6)
    for loss in (
        confident_right,
        confident_wrong,
        minimax_generator_loss(big),
        non_saturating_generator_loss(big),
        discriminator_loss(big, big, real_label=0.9),
    ):
        (grad,) = torch.autograd.grad(loss, big)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()
    # the naive formula, by contrast, takes the log of a probability rounded to 0
    assert not torch.isfinite(torch.log(torch.sigmoid(big.detach()))).all()


def test_one_sided_label_smoothing_changes_only_the_real_term() -> None:
    smoothed, plain = discriminator_loss(REAL, FAKE, real_label=0.9), discriminator_loss(REAL, FAKE)
    d_real = torch.sigmoid(REAL)
    expected_real = -(0.9 * torch.log(d_real) + 0.1 * torch.log(1 - d_real)).mean()
    fake_term = -torch.log(1 - torch.sigmoid(FAKE)).mean()
    torch.testing.assert_close(smoothed, expected_real + fake_term, rtol=1e-12, atol=1e-12)
    assert not torch.isclose(smoothed, plain)
    # the difference does not depend on the fake logits at all ...
    other_fake = _logits(64, seed=3, scale=5.0)
    torch.testing.assert_close(
        smoothed - plain,
        discriminator_loss(REAL, other_fake, real_label=0.9) - discriminator_loss(REAL, other_fake),
        rtol=1e-12,
        atol=1e-12,
    )
    # ... so the gradient with respect to the fake logits is untouched (fake targets stay 0)
    fake = FAKE.clone().requires_grad_(True)
    (g_smoothed,) = torch.autograd.grad(discriminator_loss(REAL, fake, real_label=0.9), fake)
    (g_plain,) = torch.autograd.grad(discriminator_loss(REAL, fake), fake)
    torch.testing.assert_close(g_smoothed, g_plain, rtol=0, atol=0)


def test_smoothed_real_term_is_minimal_at_d_equal_to_the_label() -> None:
    """With target 0.9 the discriminator is pushed to D(x) = 0.9, not to ever larger logits."""
    real = torch.tensor([math.log(0.9 / 0.1)], dtype=torch.float64, requires_grad=True)  # sigmoid = 0.9
    fake = torch.zeros(1, dtype=torch.float64)
    (grad,) = torch.autograd.grad(discriminator_loss(real, fake, real_label=0.9), real)
    assert abs(float(grad)) < 1e-12
    (grad_plain,) = torch.autograd.grad(discriminator_loss(real, fake), real)
    assert float(grad_plain) == pytest.approx(-0.1)  # without smoothing: still pushing D(x) up


@pytest.mark.parametrize("cls", [MinimaxLoss, NonSaturatingLoss])
def test_loss_classes_implement_the_protocol_and_delegate(cls: type) -> None:
    loss = cls(real_label=0.9)
    assert isinstance(loss, Loss) and loss.relativistic is False  # G's update need not score real data
    assert not hasattr(loss, "penalty")  # penalties are regularisers since gan-core 0.2
    torch.testing.assert_close(loss.discriminator_loss(REAL, FAKE), discriminator_loss(REAL, FAKE, 0.9))


def test_generator_losses_ignore_the_real_scores() -> None:
    for real in (None, REAL):
        torch.testing.assert_close(MinimaxLoss().generator_loss(real, FAKE), minimax_generator_loss(FAKE))
        torch.testing.assert_close(NonSaturatingLoss().generator_loss(real, FAKE), non_saturating_generator_loss(FAKE))


def test_vanillas_loss_names_are_the_cores_losses() -> None:
    """The losses moved to ``gan_core.losses`` in 0.2; vanilla's module keeps its 0.1 names for the same objects."""
    for name in gan_plugin_vanilla.losses.__all__:
        assert getattr(gan_plugin_vanilla.losses, name) is getattr(gan_core.losses, name), name


def test_the_0_1_loss_table_still_imports_with_a_warning() -> None:
    """dcgan and cgan 0.1 (and third-party copies of them) read ``LOSS_CLASSES``; it works through 0.2."""
    from gan_core import GanDeprecationWarning
    from gan_core.losses import MinimaxLoss as CoreMinimax

    with pytest.warns(GanDeprecationWarning, match="Game\\(loss=config.loss\\)"):
        from gan_plugin_vanilla.losses import LOSS_CLASSES
    assert LOSS_CLASSES["minimax"] is CoreMinimax
