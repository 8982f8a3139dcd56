"""The standard GAN game as one readable function: k discriminator updates, one generator update."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import attrs
import torch
from accelerate import Accelerator
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_core.protocols import Loss
from gan_core.training.stream import Batch, BatchStream


@attrs.define
class StepContext:
    """What a training step may touch. ``generator`` and ``discriminator`` are the prepared
    (possibly DDP-wrapped) modules; ``discriminator_module`` is the bare one underneath."""

    accelerator: Accelerator
    generator: nn.Module
    discriminator: nn.Module
    discriminator_module: nn.Module
    loss: Loss
    g_optimizer: Optimizer
    d_optimizer: Optimizer
    batches: BatchStream
    latent_dim: int
    d_steps: int = 1
    conditional: bool = False
    step: int = 0  # index of the generator update being made, from 0

    def next_batch(self) -> Batch:
        x, y = next(self.batches)
        return x, (y if self.conditional else None)

    def sample_latent(self, n: int) -> Tensor:
        """``z ~ N(0, I)`` from the global RNG, which checkpoints save and restore."""
        return torch.randn(n, self.latent_dim, device=self.accelerator.device)


@contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Stop gradients into ``module``'s weights (they would be computed and then thrown away)."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags, strict=True):
            p.requires_grad_(flag)


def alternating_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """Goodfellow et al. 2014, Algorithm 1, with the fake batch drawn once per step.

    The last discriminator update's fake batch is generated with its graph kept, and the generator
    update scores that same batch with the updated discriminator: the generator's forward pass is
    not repeated (it is an unbiased draw of ``z`` either way). The generator update runs the bare
    discriminator with its weights frozen, so no discriminator gradients are computed, and DDP never
    sees a discriminator forward without a matching reduction.
    """
    acc, G, D, loss = ctx.accelerator, ctx.generator, ctx.discriminator, ctx.loss
    scalars: dict[str, Tensor] = {}
    for k in range(ctx.d_steps):
        real, y = ctx.next_batch()
        z = ctx.sample_latent(real.shape[0])
        keep_graph = k == ctx.d_steps - 1
        with acc.autocast(), torch.set_grad_enabled(keep_graph):
            fake = G(z, y)
        with acc.autocast():
            d_loss = loss.discriminator_loss(D(real, y), D(fake.detach(), y))
        penalty = loss.penalty(D, real, fake.detach(), y)
        total = d_loss if penalty is None else d_loss + penalty
        ctx.d_optimizer.zero_grad(set_to_none=True)
        acc.backward(total)
        ctx.d_optimizer.step()
        scalars["d_loss"] = d_loss.detach()
        if penalty is not None:
            scalars["penalty"] = penalty.detach()
    with frozen(ctx.discriminator_module):
        with acc.autocast():
            g_loss = loss.generator_loss(ctx.discriminator_module(fake, y))
        ctx.g_optimizer.zero_grad(set_to_none=True)
        acc.backward(g_loss)
        ctx.g_optimizer.step()
    scalars["g_loss"] = g_loss.detach()
    return scalars
