"""The Wasserstein losses and the gradient penalty, checked against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor, nn

from gan_core import Loss
from gan_plugin_wgan.losses import (
    WassersteinGPLoss,
    WassersteinLoss,
    critic_loss,
    generator_loss,
    gradient_penalty,
    interpolates,
    interpolation_weights,
)


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


def test_loss_classes_implement_the_protocol() -> None:
    real, fake = torch.randn(4), torch.randn(4)
    for loss in (WassersteinLoss(), WassersteinGPLoss()):
        assert isinstance(loss, Loss)
        torch.testing.assert_close(loss.discriminator_loss(real, fake), critic_loss(real, fake))
        torch.testing.assert_close(loss.generator_loss(fake), generator_loss(fake))
    assert WassersteinLoss().penalty(nn.Identity(), real, fake, None) is None
    assert WassersteinLoss().clip_value == 0.01 and WassersteinGPLoss().clip_value is None
    critic = _Linear(torch.tensor([3.0, 4.0]))
    gp = WassersteinGPLoss(gp_weight=2.0).penalty(critic, torch.randn(4, 2), torch.randn(4, 2), None).detach()
    assert float(gp) == pytest.approx(2.0 * 16, rel=1e-6)
