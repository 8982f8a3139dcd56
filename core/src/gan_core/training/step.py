"""The standard GAN game as one readable function: k discriminator updates, one generator update."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext

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
    #: True when Accelerate's backward/optimizer wrappers would add nothing (no gradient scaler, no
    #: accumulation, no DeepSpeed or XLA); the trainer then also hands over the bare optimizers.
    #: The wrappers cost ~0.1 ms per call, which is a third of a small model's step on a GPU.
    plain_backward: bool = False
    #: the extra data sets' streams (``LoadedData.extra``), by name
    streams: Mapping[str, BatchStream] = attrs.field(factory=dict)
    _discriminator_params: list[nn.Parameter] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self._discriminator_params = list(self.discriminator_module.parameters())

    def backward(self, loss: Tensor) -> None:
        """``loss.backward()``, through Accelerate's gradient scaler when mixed precision needs one."""
        if self.plain_backward:
            loss.backward()
        else:
            self.accelerator.backward(loss)

    def autocast(self) -> AbstractContextManager[None]:
        """Accelerate's autocast under mixed precision; a free no-op otherwise."""
        if self.accelerator.mixed_precision == "no":
            return nullcontext()
        return self.accelerator.autocast()

    @contextmanager
    def frozen_discriminator(self) -> Iterator[None]:
        """:func:`frozen` for the discriminator, with its parameter list gathered once."""
        with _frozen_params(self._discriminator_params):
            yield

    def next_batch(self) -> Batch:
        x, y = next(self.batches)
        return x, (y if self.conditional else None)

    def next_batch_from(self, name: str) -> tuple[Tensor, Tensor | None]:
        """The next batch of the extra data set ``name``, labels included when it has them."""
        if name not in self.streams:
            have = ", ".join(sorted(self.streams)) or "none"
            raise KeyError(f"no extra data set {name!r} in this run (have: {have}); LoadedData.extra provides them")
        return next(self.streams[name])

    def sample_latent(self, n: int) -> Tensor:
        """``z ~ N(0, I)`` from the global RNG, which checkpoints save and restore."""
        return torch.randn(n, self.latent_dim, device=self.accelerator.device)

    # --- the pieces of the standard game, for steps that change only part of it -----------------

    def fake_batch(self, n: int, y: Tensor | None, *, keep_graph: bool) -> Tensor:
        """``G(z, y)`` for ``n`` fresh draws of ``z``. Only a batch the generator update will reuse
        needs its graph (``keep_graph``); the others are generated without one, which is cheaper."""
        z = self.sample_latent(n)
        with self.autocast(), torch.set_grad_enabled(keep_graph):
            return self.generator(z, y)

    def update_discriminator(self, real: Tensor, fake: Tensor, y: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """One optimizer step on the loss's discriminator objective plus its penalty, if it has one.

        The penalty (a gradient penalty, say) runs outside autocast, in full precision. Returns the
        detached objective and penalty, for logging.
        """
        D, loss = self.discriminator, self.loss
        with self.autocast():
            d_loss = loss.discriminator_loss(D(real, y), D(fake.detach(), y))
        penalty = loss.penalty(D, real, fake.detach(), y)
        total = d_loss if penalty is None else d_loss + penalty
        self.d_optimizer.zero_grad(set_to_none=True)
        self.backward(total)
        self.d_optimizer.step()
        return d_loss.detach(), (None if penalty is None else penalty.detach())

    def update_generator(self, fake: Tensor, y: Tensor | None) -> Tensor:
        """One optimizer step on the generator objective for ``fake``, which must carry its graph.

        It scores ``fake`` with the bare discriminator, weights frozen: no discriminator gradients
        are computed, and DDP never sees a discriminator forward without a matching reduction.
        Returns the detached objective.
        """
        with self.frozen_discriminator():
            with self.autocast():
                g_loss = self.loss.generator_loss(self.discriminator_module(fake, y))
            self.g_optimizer.zero_grad(set_to_none=True)
            self.backward(g_loss)
            self.g_optimizer.step()
        return g_loss.detach()


@contextmanager
def _frozen_params(params: list[nn.Parameter]) -> Iterator[None]:
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(params, flags, strict=True):
            p.requires_grad_(flag)


@contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Stop gradients into ``module``'s weights (they would be computed and then thrown away)."""
    with _frozen_params(list(module.parameters())):
        yield


def alternating_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """Goodfellow et al. 2014, Algorithm 1, with the fake batch drawn once per step.

    The last discriminator update's fake batch is generated with its graph kept, and the generator
    update scores that same batch with the updated discriminator: the generator's forward pass is
    not repeated (it is an unbiased draw of ``z`` either way).
    """
    scalars: dict[str, Tensor] = {}
    for k in range(ctx.d_steps):
        real, y = ctx.next_batch()
        fake = ctx.fake_batch(real.shape[0], y, keep_graph=k == ctx.d_steps - 1)
        scalars["d_loss"], penalty = ctx.update_discriminator(real, fake, y)
        if penalty is not None:
            scalars["penalty"] = penalty
    scalars["g_loss"] = ctx.update_generator(fake, y)
    return scalars
