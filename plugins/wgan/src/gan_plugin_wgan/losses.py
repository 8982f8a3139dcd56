"""The Wasserstein objective and the two ways of keeping the critic (roughly) 1-Lipschitz.

Arjovsky, Chintala and Bottou (2017) estimate the Earth-Mover distance through its Kantorovich-Rubinstein
dual, ``W(P_r, P_g) = sup_{||f||_L <= 1} E_{P_r}[f(x)] - E_{P_g}[f(x)]``: the critic ``f`` maximises that
difference (minimises its negative) and the generator minimises ``-E[f(G(z))]``. The critic's scores are
unbounded reals, not logits. The Lipschitz constraint is enforced either by clipping every critic weight
to ``[-c, c]`` after each update (the WGAN paper; done by the training step, see :mod:`.step`) or by the
gradient penalty of Gulrajani et al. (2017), ``lambda * E[(||grad f(x_hat)||_2 - 1)^2]`` at random points
``x_hat`` on straight lines between real and generated samples.
"""

from __future__ import annotations

import attrs
import torch
from einops import rearrange
from torch import Tensor, nn


def critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """``E[f(G(z))] - E[f(x)]``: the negative of the critic's estimate of the Wasserstein distance."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: Tensor) -> Tensor:
    """``-E[f(G(z))]``: the only term of the estimate that depends on the generator."""
    return -fake_scores.mean()


def interpolation_weights(real: Tensor) -> Tensor:
    """``eps ~ U[0, 1]``, one per sample, shaped ``(B, 1, ..., 1)`` to broadcast over the sample.

    Gulrajani et al., Algorithm 1, draw one ``eps`` for each pair ``(x, x~)``; an ``eps`` per pixel
    (``torch.rand_like(real)``) would sample points off the straight lines between the pairs, where the
    optimal critic's gradient norm is not 1 (their Proposition 1).
    """
    return torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)


def interpolates(real: Tensor, fake: Tensor, eps: Tensor | None = None) -> Tensor:
    """``x_hat = eps x + (1 - eps) x~``, with ``eps`` from :func:`interpolation_weights` unless given."""
    if eps is None:
        eps = interpolation_weights(real)
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None = None, weight: float = 10.0
) -> Tensor:
    """``weight * E[(||grad_x f(x_hat)||_2 - 1)^2]`` (Gulrajani et al. 2017, eq. 3), differentiable in the
    critic's weights (``create_graph=True``) so that it can be added to the critic's loss.

    The gradient is taken per sample and its norm over all of a sample's coordinates (every pixel and
    channel of an image); the critic must therefore score each sample independently of the others in
    the batch, which batch normalisation would not (section 4 of the paper).
    """
    x_hat = interpolates(real.detach(), fake.detach()).requires_grad_(True)
    scores = critic(x_hat, y)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = torch.linalg.vector_norm(rearrange(grad, "b ... -> b (...)"), dim=1)
    return weight * ((norms - 1) ** 2).mean()


@attrs.frozen
class WassersteinLoss:
    """The WGAN objective with weight clipping: no penalty term; the step clamps every critic weight
    to ``[-clip_value, clip_value]`` after each critic update (Arjovsky et al. 2017, Algorithm 1)."""

    clip_value: float = 0.01

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return critic_loss(real_scores, fake_scores)

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores)

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None:
        return None


@attrs.frozen
class WassersteinGPLoss:
    """The WGAN objective with the gradient penalty (WGAN-GP); no clipping. The penalty fits the core's
    ``Loss.penalty`` contract, so the core's alternating step could train it too (without the logged
    Wasserstein estimate that this plugin's step adds)."""

    gp_weight: float = 10.0  # lambda; "we use lambda = 10 in all experiments" (Gulrajani et al., sec. 4)
    clip_value: None = attrs.field(default=None, init=False)  # the step's cue: nothing to clip

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return critic_loss(real_scores, fake_scores)

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores)

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        return gradient_penalty(discriminator, real, fake, y, self.gp_weight)
