"""The Wasserstein loss and the gradient penalty (the core's regulariser since gan-core 0.2, which WGAN-GP
plays with), checked against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor, nn

from gan_core import GradientPenalty, Loss, Regularizer, WeightClipping
from gan_core.regularizers import gradient_penalty, interpolates, interpolation_weights
from gan_plugin_wgan.losses import WassersteinLoss, critic_loss, generator_loss


class _Linear(nn.Module):
    """``f(x) = w . flatten(x) + b``: its gradient is ``w`` everywhere, of norm ``|w|``."""

    def __init__(self, w: Tensor, b: float = 0.5) -> None:
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = nn.Parameter(torch.tensor(b, dtype=w.dtype))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return x.flatten(1) @ self.w + self.b


class _HalfSquaredNorm(nn.Module):
    """``f(x) = |x|^2 / 2``: its gradient at ``x`` is ``x`` itself. Records what it was called on."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Tensor] = []

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        self.seen.append(x.detach().clone())
        return 0.5 * (x.flatten(1) ** 2).sum(1)


def test_critic_and_generator_losses() -> None:
    real, fake = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.0, 4.0])
    assert float(critic_loss(real, fake)) == pytest.approx(1.0 - 2.0)  # E[f(fake)] - E[f(real)]
    assert float(generator_loss(fake)) == pytest.approx(-1.0)


@pytest.mark.parametrize("shape", [(2,), (3, 4, 4)])
@pytest.mark.parametrize("weight", [10.0, 0.1])
def test_a_linear_critic_is_penalised_by_lambda_times_its_slope_minus_one_squared(
    shape: tuple[int, ...], weight: float
) -> None:
    torch.manual_seed(0)
    n = math.prod(shape)
    w = torch.zeros(n, dtype=torch.float64)
    w[0], w[-1] = 3.0, 4.0  # |w| = 5
    critic = _Linear(w)
    real, fake = torch.randn(16, *shape, dtype=torch.float64), torch.randn(16, *shape, dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake, weight=weight)
    assert float(penalty.detach()) == pytest.approx(weight * (5 - 1) ** 2, rel=1e-12)
    # differentiable in the critic's weights: d/dw lambda (|w| - 1)^2 = 2 lambda (|w| - 1) w / |w|
    penalty.backward()
    assert critic.w.grad is not None
    torch.testing.assert_close(critic.w.grad, 2 * weight * (5 - 1) * w / 5)
    assert critic.b.grad is None or float(critic.b.grad) == 0.0


def test_a_unit_slope_critic_costs_nothing() -> None:
    critic = _Linear(torch.tensor([0.6, 0.8], dtype=torch.float64))
    real, fake = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    assert float(gradient_penalty(critic, real, fake).detach()) == pytest.approx(0.0, abs=1e-12)


def test_a_quadratic_critic_on_a_known_segment_averages_to_lambda_over_three() -> None:
    """Between x = (2, 0) and x~ = 0, x_hat = (2 eps, 0) and grad f(x_hat) = x_hat, of norm 2 eps:
    the penalty is lambda E[(2 eps - 1)^2], which for eps ~ U[0, 1] is lambda / 3."""
    torch.manual_seed(0)
    n = 200_000
    real = torch.tensor([2.0, 0.0], dtype=torch.float64).expand(n, 2)
    fake = torch.zeros(n, 2, dtype=torch.float64)
    critic = _HalfSquaredNorm()
    penalty = float(gradient_penalty(critic, real, fake, weight=10.0).detach())
    assert penalty == pytest.approx(10.0 / 3.0, rel=0.01)  # the mean of 200,000 draws: std ~0.2%
    # and exactly, sample by sample, from the interpolation weights the penalty drew
    eps = critic.seen[0][:, 0] / 2
    assert penalty == pytest.approx(float(10.0 * ((2 * eps - 1) ** 2).mean()), rel=1e-12)


def test_interpolation_weight_is_drawn_per_sample_not_per_pixel() -> None:
    torch.manual_seed(0)
    real, fake = torch.ones(64, 3, 5, 5), torch.zeros(64, 3, 5, 5)
    critic = _HalfSquaredNorm()
    gradient_penalty(critic, real, fake)
    (x_hat,) = critic.seen  # = eps, broadcast over each sample
    per_sample = x_hat.flatten(1)
    torch.testing.assert_close(per_sample, per_sample[:, :1].expand_as(per_sample), rtol=0, atol=0)
    eps = per_sample[:, 0]
    assert bool(((eps >= 0) & (eps <= 1)).all())
    assert len(torch.unique(eps)) == 64  # a fresh weight for every sample
    assert interpolation_weights(real).shape == (64, 1, 1, 1)
    assert interpolation_weights(torch.ones(7, 2)).shape == (7, 1)


def test_interpolates_lie_on_the_segment_between_each_pair() -> None:
    real, fake = torch.randn(5, 2), torch.randn(5, 2)
    eps = torch.tensor([[0.0], [1.0], [0.25], [0.5], [0.9]])
    torch.testing.assert_close(interpolates(real, fake, eps), eps * real + (1 - eps) * fake)
    torch.testing.assert_close(interpolates(real, fake, eps)[0], fake[0])
    torch.testing.assert_close(interpolates(real, fake, eps)[1], real[1])


def test_the_loss_implements_the_protocol_and_has_no_constraint_of_its_own() -> None:
    real, fake = torch.randn(4), torch.randn(4)
    loss = WassersteinLoss()
    assert isinstance(loss, Loss) and loss.relativistic is False
    torch.testing.assert_close(loss.discriminator_loss(real, fake), critic_loss(real, fake))
    for real_scores in (None, real):  # -E[f(G(z))] does not depend on the real scores
        torch.testing.assert_close(loss.generator_loss(real_scores, fake), generator_loss(fake))
    # the constraint is the game's regulariser now: the loss neither clips nor penalises
    assert not hasattr(loss, "penalty") and not hasattr(loss, "clip_value")


def test_the_gradient_penalty_regulariser_is_lambda_times_the_penalty() -> None:
    critic = _Linear(torch.tensor([3.0, 4.0]))  # |grad f| = 5 everywhere
    gp = GradientPenalty(weight=2.0)
    assert isinstance(gp, Regularizer) and (gp.name, gp.every) == ("gp", 1)
    assert float(gp.penalty(critic, torch.randn(4, 2), torch.randn(4, 2), None).detach()) == pytest.approx(2.0 * 16)
    assert GradientPenalty().weight == 10.0  # Gulrajani et al.: "lambda = 10 in all experiments"
    before = {name: p.detach().clone() for name, p in critic.named_parameters()}
    gp.after_step(critic)  # a penalty only: it never touches the weights
    assert all(torch.equal(p, before[name]) for name, p in critic.named_parameters())


def test_weight_clipping_adds_no_penalty_and_clamps_after_the_step() -> None:
    critic = _Linear(torch.tensor([3.0, -0.004], dtype=torch.float64), b=-0.5)
    clip = WeightClipping(0.01)
    assert isinstance(clip, Regularizer) and (clip.name, clip.every) == ("clip", 1)
    assert clip.penalty(critic, torch.randn(4, 2), torch.randn(4, 2), None) is None
    assert WeightClipping().clip == 0.01  # Arjovsky et al., Algorithm 1: c = 0.01
    clip.after_step(critic)  # every parameter, the bias included, as in the authors' code
    assert critic.w.detach().tolist() == [0.01, -0.004] and float(critic.b.detach()) == -0.01


def test_the_0_1_gradient_penalty_loss_still_works_with_a_warning() -> None:
    """A 0.1 game built on ``WassersteinGPLoss`` keeps its penalty (the core adapts its ``penalty``)."""
    from gan_core import GanDeprecationWarning
    from gan_core.regularizers import gradient_penalty

    with pytest.warns(GanDeprecationWarning, match="GradientPenalty"):
        from gan_plugin_wgan import WassersteinGPLoss

        loss = WassersteinGPLoss(gp_weight=3.0)
    critic = torch.nn.Linear(4, 1)
    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    torch.manual_seed(0)
    old = loss.penalty(lambda x, y: critic(x).squeeze(1), real, fake, None)
    torch.manual_seed(0)
    new = gradient_penalty(lambda x, y: critic(x).squeeze(1), real, fake, None, 3.0)
    assert torch.equal(old, new)
    with pytest.warns(GanDeprecationWarning, match="import it from gan_core.regularizers"):
        from gan_plugin_wgan import clip_weights_  # noqa: F401
