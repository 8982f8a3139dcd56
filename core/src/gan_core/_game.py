"""The training recipe a variant's builder returns (:class:`Game`), and the step that plays it.

A game holds everything the trainer runs: the two networks and their optimisers, the loss, the
regularisers, what the generator reads (its input sampler) and the step function. The trainer never
asks what kind of variant it runs; a variant with a different game supplies its own step, built
from the same pieces of :class:`StepContext` as the standard :func:`alternating_step`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol

import attrs
import torch
from accelerate import Accelerator
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_core._inputs import InputSampler, Noise
from gan_core._probes import Probes
from gan_core._protocols import Loss, Regularizer
from gan_core._stream import Batch, BatchStream


class StepFn(Protocol):
    """One training step (a generator update, or a few, and whatever discriminator updates precede it).

    Returns detached scalar tensors to log; the trainer averages them between log lines without
    forcing a device synchronisation every step.
    """

    def __call__(self, ctx: StepContext) -> Mapping[str, Tensor]: ...


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
    inputs: InputSampler
    regularizers: tuple[Regularizer, ...] = ()
    d_steps: int = 1
    conditional: bool = False
    step: int = 0  # index of the generator update being made, from 0
    #: True when Accelerate's backward/optimizer wrappers would add nothing (no gradient scaler, no
    #: accumulation, no DeepSpeed or XLA); the trainer then also hands over the bare optimizers.
    #: The wrappers cost ~0.1 ms per call, which is a third of a small model's step on a GPU.
    plain_backward: bool = False
    #: the extra data sets' streams (``LoadedData.extra``), by name
    streams: Mapping[str, BatchStream] = attrs.field(factory=dict)
    #: discriminator updates made so far in the run (checkpoints keep it): lazy regularisers are due
    #: on every k-th one, however many updates a step makes
    d_updates: int = 0
    #: applied to every discriminator input, real and generated, in both updates (``train.diffaugment``)
    augment: Callable[[Tensor], Tensor] | None = None
    #: set by the trainer on the steps it logs: the standard pieces record the players' probes in it
    #: (gan_core._probes; nothing that training computes changes)
    probes: Probes | None = None
    _discriminator_params: list[nn.Parameter] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self._discriminator_params = list(self.discriminator_module.parameters())

    def score(self, discriminator: nn.Module, x: Tensor, y: Tensor | None) -> Tensor:
        """``discriminator(x, y)``, through the augmentation when there is one (a step that scores
        samples itself should score them through here, as the standard pieces do)."""
        return discriminator(x if self.augment is None else self.augment(x), y)

    def begin(self, step: int) -> None:
        """Start generator update ``step`` (the trainer calls it before each step)."""
        self.step = step

    @property
    def device(self) -> torch.device:
        return self.accelerator.device

    @property
    def latent_dim(self) -> int:
        """The noise dimension of a generator that reads :class:`~gan_core.Noise` (0 for others)."""
        return self.inputs.latent_dim if isinstance(self.inputs, Noise) else 0

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

    def draw_inputs(self, n: int) -> Tensor:
        """``n`` generator inputs from the game's sampler: noise from the global RNG, which checkpoints
        save and restore, or the next batch of a source data set."""
        return self.inputs.draw(n, self)

    def sample_latent(self, n: int) -> Tensor:
        """``z ~ N(0, I)`` from the global RNG, for generators that read noise."""
        if not isinstance(self.inputs, Noise):
            raise TypeError(f"the generator reads {type(self.inputs).__name__}, not noise; use ctx.draw_inputs(n)")
        return self.draw_inputs(n)

    # --- the pieces of the standard game, for steps that change only part of it -----------------

    def fake_batch(self, n: int, y: Tensor | None, *, keep_graph: bool) -> Tensor:
        """``G(x, y)`` for ``n`` fresh inputs. Only a batch the generator update will reuse needs its
        graph (``keep_graph``); the others are generated without one, which is cheaper."""
        x = self.draw_inputs(n)
        with self.autocast(), torch.set_grad_enabled(keep_graph):
            return self.generator(x, y)

    def update_discriminator(self, real: Tensor, fake: Tensor, y: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """One optimizer step on the loss's discriminator objective plus the penalties of the
        regularisers due at this update; then each regulariser's ``after_step``.

        Penalties run outside autocast, in full precision. Returns the detached objective and the
        detached sum of the penalties applied (``None`` when none was).
        """
        D = self.discriminator
        with self.autocast():
            real_scores, fake_scores = self.score(D, real, y), self.score(D, fake.detach(), y)
            d_loss = self.loss.discriminator_loss(real_scores, fake_scores)
        penalty = self._optimise_discriminator(d_loss, real, fake.detach(), y, scores=(real_scores, fake_scores))
        return d_loss.detach(), penalty

    def step_discriminator(
        self, d_loss: Tensor, real: Tensor, fake: Tensor, y: Tensor | None = None, *, penalised: nn.Module | None = None
    ) -> Tensor | None:
        """One optimizer step on ``d_loss``, a step's own discriminator objective, plus the penalties
        of every regulariser of the game due at this update (``train.r1`` on ``real``, ``train.r2`` on
        ``fake``; WGAN-GP's pairs ``real`` with ``fake`` row by row, so it needs equal batches); then
        each regulariser's ``after_step``. Returns the detached sum of the penalties applied (``None``
        when none was). Call it outside autocast: the penalties then run in full precision. On a
        probed step it records the batches and D's gradient norm, not the scores.

        For a step whose game the :class:`Loss` protocol cannot express (DTN's ternary discriminator)
        but which should honour the core's discriminator options: it scores its inputs through
        :meth:`score` (DiffAugment) and hands its objective here. ``penalised`` is the module whose
        output the penalties differentiate, one score per sample (default: the discriminator), for a
        discriminator whose raw output is not one real-versus-fake score.
        """
        return self._optimise_discriminator(d_loss, real, fake.detach(), y, penalised=penalised)

    def _optimise_discriminator(
        self,
        d_loss: Tensor,
        real: Tensor,
        fake: Tensor,
        y: Tensor | None,
        *,
        scores: tuple[Tensor, Tensor] | None = None,
        penalised: nn.Module | None = None,
    ) -> Tensor | None:
        penalty = self._penalty(real, fake, y, penalised)
        total = d_loss if penalty is None else d_loss + penalty
        self.d_optimizer.zero_grad(set_to_none=True)
        self.backward(total)
        if self.probes is not None:
            if scores is not None:
                self.probes.scores(*scores)
            self.probes.batches(real, fake)
            self.probes.gradients("d_grad", self._discriminator_params)
        self.d_optimizer.step()
        for regularizer in self.regularizers:
            regularizer.after_step(self.discriminator_module)
        self.d_updates += 1
        return None if penalty is None else penalty.detach()

    def _penalty(self, real: Tensor, fake: Tensor, y: Tensor | None, penalised: nn.Module | None) -> Tensor | None:
        """The sum of the penalties due now; a lazy one (``every = k``) counts k times when it is due."""
        total: Tensor | None = None
        scored = self.discriminator if penalised is None else penalised
        if self.augment is not None:
            scored = _Augmented(scored, self.augment)
        for regularizer in self.regularizers:
            if self.d_updates % regularizer.every:
                continue
            term = regularizer.penalty(scored, real, fake, y)
            if term is None:
                continue
            if regularizer.every > 1:
                term = term * regularizer.every
            total = term if total is None else total + term
        return total

    def update_generator(self, fake: Tensor, y: Tensor | None, real: Tensor | None = None) -> Tensor:
        """One optimizer step on the generator objective for ``fake``, which must carry its graph.

        It scores ``fake`` (and, for a relativistic loss, ``real``) with the bare discriminator, weights
        frozen: no discriminator gradients are computed, and DDP never sees a discriminator forward
        without a matching reduction. Returns the detached objective.
        """
        D = self.discriminator_module
        if self.probes is not None:
            self.probes.watch_output(fake)
        with self.frozen_discriminator():
            with self.autocast():
                real_scores = None
                if self.loss.relativistic:
                    if real is None:
                        raise TypeError("a relativistic loss compares real and fake scores: pass real=")
                    real_scores = self.score(D, real, y)
                g_loss = self.loss.generator_loss(real_scores, self.score(D, fake, y))
            self.g_optimizer.zero_grad(set_to_none=True)
            self.backward(g_loss)
            if self.probes is not None:
                self.probes.gradients("g_grad", self.generator.parameters())
            self.g_optimizer.step()
        return g_loss.detach()


class _Augmented(nn.Module):
    """A discriminator that sees its inputs through the augmentation: what penalties differentiate, so
    that R1's gradient is taken with respect to the image before it is augmented (as StyleGAN2-ADA)."""

    def __init__(self, discriminator: nn.Module, augment: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        self.discriminator = discriminator
        self.augment = augment

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.discriminator(self.augment(x), y)


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
    scalars["g_loss"] = ctx.update_generator(fake, y, real)
    return scalars


@attrs.frozen(kw_only=True)
class Game:
    """The training recipe a builder returns: what the trainer runs, whatever the variant.

    ``loss`` is a :class:`~gan_core.Loss`, or the name of a registered loss (``"hinge"``) that the
    trainer looks up, with ``loss_options`` as the factory's keywords: a variant whose
    configuration lets users choose a loss then accepts every loss any plugin registers. ``inputs``
    says what the generator reads (:class:`~gan_core.Noise`, or :class:`~gan_core.SourceSamples`
    for a translation), ``regularizers`` what the discriminator's update adds to the loss (a
    gradient penalty, weight clipping), and ``step`` how one training step plays the game.
    """

    generator: nn.Module
    discriminator: nn.Module
    g_optimizer: Optimizer
    d_optimizer: Optimizer
    inputs: InputSampler
    loss: Loss | str
    loss_options: Mapping[str, Any] = attrs.field(factory=dict, converter=lambda value: dict(value))
    regularizers: tuple[Regularizer, ...] = attrs.field(default=(), converter=tuple)
    step: StepFn = alternating_step
