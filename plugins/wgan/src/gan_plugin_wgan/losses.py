"""The Wasserstein objective; the two ways of keeping the critic (roughly) 1-Lipschitz are regularisers.

Arjovsky, Chintala and Bottou (2017) estimate the Earth-Mover distance through its Kantorovich-Rubinstein
dual, ``W(P_r, P_g) = sup_{||f||_L <= 1} E_{P_r}[f(x)] - E_{P_g}[f(x)]``: the critic ``f`` maximises that
difference (minimises its negative) and the generator minimises ``-E[f(G(z))]``. The critic's scores are
unbounded reals, not logits. The Lipschitz constraint is a regulariser of the core, composable with any
loss: weight clipping (:class:`gan_core.WeightClipping`, the WGAN paper) or the gradient penalty of
Gulrajani et al. (2017) (:class:`gan_core.GradientPenalty`), ``lambda * E[(||grad f(x_hat)||_2 - 1)^2]``
at random points ``x_hat`` on straight lines between real and generated samples.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
from torch import Tensor


def critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """``E[f(G(z))] - E[f(x)]``: the negative of the critic's estimate of the Wasserstein distance."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: Tensor) -> Tensor:
    """``-E[f(G(z))]``: the only term of the estimate that depends on the generator."""
    return -fake_scores.mean()


@attrs.frozen
class WassersteinLoss:
    """The WGAN objective (registered as ``wasserstein``); pair it with a Lipschitz regulariser."""

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return critic_loss(real_scores, fake_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores)
