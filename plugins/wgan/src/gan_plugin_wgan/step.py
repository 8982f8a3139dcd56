"""WGAN's training step: ``d_steps`` critic updates (each followed by weight clipping when the critic is
constrained that way), then one generator update, logging the critic's Wasserstein estimate.

The core's :func:`gan_core.alternating_step` cannot clip after each critic update, and does not log the
estimate, which is the quantity the WGAN papers plot against sample quality. Otherwise the game is the
same, so this step is built from the same pieces of :class:`gan_core.StepContext`: the last critic
iteration's fake batch is generated with its graph kept and reused for the generator update.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from gan_core import StepContext


@torch.no_grad()
def clip_weights_(module: nn.Module, clip_value: float) -> None:
    """Clamp every parameter of ``module`` to ``[-clip_value, clip_value]`` in place, as Arjovsky et al.'s
    Algorithm 1 does after each critic update (normalisation scales and biases included, as in their code)."""
    for parameter in module.parameters():
        parameter.clamp_(-clip_value, clip_value)


def wgan_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """One generator update of WGAN (Arjovsky et al. 2017, Algorithm 1) or WGAN-GP (Gulrajani et al.
    2017, Algorithm 1); which one is the loss's business: ``ctx.loss.clip_value`` (clipping) or
    ``ctx.loss.penalty`` (the gradient penalty)."""
    clip_value: float | None = getattr(ctx.loss, "clip_value", None)
    scalars: dict[str, Tensor] = {}
    for k in range(ctx.d_steps):
        real, y = ctx.next_batch()
        fake = ctx.fake_batch(real.shape[0], y, keep_graph=k == ctx.d_steps - 1)
        d_loss, penalty = ctx.update_discriminator(real, fake, y)
        if clip_value is not None:
            clip_weights_(ctx.discriminator_module, clip_value)
        if penalty is not None:
            scalars["penalty"] = penalty
    # E[f(x)] - E[f(G(z))] on the last critic batch, before that batch's update: the estimate of W
    # (up to the critic's Lipschitz constant, which clipping fixes only up to a scale)
    scalars["wasserstein"] = -d_loss
    scalars["d_loss"] = d_loss
    g_loss = scalars["g_loss"] = ctx.update_generator(fake, y)
    scalars["lr"] = torch.tensor(ctx.g_optimizer.param_groups[0]["lr"], device=g_loss.device)
    return scalars
