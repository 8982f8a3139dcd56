"""WGAN's training step: ``d_steps`` critic updates, then one generator update, logging the critic's
Wasserstein estimate and the learning rate.

The game is the core's alternating one: the constraint (weight clipping after each critic update, or the
gradient penalty) is a regulariser that :meth:`gan_core.StepContext.update_discriminator` applies. What
this step adds is the estimate, which is the quantity the WGAN papers plot against sample quality.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from gan_core import StepContext


def wgan_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """One generator update of WGAN (Arjovsky et al. 2017, Algorithm 1) or WGAN-GP (Gulrajani et al.
    2017, Algorithm 1); the constraint is the game's regulariser."""
    scalars: dict[str, Tensor] = {}
    for k in range(ctx.d_steps):
        real, y = ctx.next_batch()
        fake = ctx.fake_batch(real.shape[0], y, keep_graph=k == ctx.d_steps - 1)
        d_loss, penalty = ctx.update_discriminator(real, fake, y)
        if penalty is not None:
            scalars["penalty"] = penalty
    # E[f(x)] - E[f(G(z))] on the last critic batch, before that batch's update: the estimate of W
    # (up to the critic's Lipschitz constant, which clipping fixes only up to a scale)
    scalars["wasserstein"] = -d_loss
    scalars["d_loss"] = d_loss
    g_loss = scalars["g_loss"] = ctx.update_generator(fake, y, real)
    scalars["lr"] = torch.tensor(ctx.g_optimizer.param_groups[0]["lr"], device=g_loss.device)
    return scalars
