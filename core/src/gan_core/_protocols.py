"""The structural contracts between the core and the plugins' networks, losses and regularisers.

They are :class:`typing.Protocol` classes: a plugin's objects need not inherit from anything of ours,
only have the right shape. ``runtime_checkable`` lets the conformance kit check a plugin's objects
early, with a clear message, rather than deep in a training step.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from torch import Tensor, nn


@runtime_checkable
class Generator(Protocol):
    """Maps generator inputs (noise, or a source domain's samples) and optional labels to samples.

    What it reads is described by the game's input sampler (:class:`gan_core.Noise`,
    :class:`gan_core.SourceSamples`), not by the generator itself.
    """

    def __call__(self, x: Tensor, y: Tensor | None = None) -> Tensor: ...

    def parameters(self, recurse: bool = True) -> Any: ...


@runtime_checkable
class Discriminator(Protocol):
    """Scores samples: logits for probabilistic GANs, unbounded values for critics.

    Returns a tensor of shape ``(batch,)``; losses never apply a sigmoid themselves, so that
    log-probabilities are computed stably from logits.
    """

    def __call__(self, x: Tensor, y: Tensor | None = None) -> Tensor: ...

    def parameters(self, recurse: bool = True) -> Any: ...


@runtime_checkable
class Loss(Protocol):
    """The adversarial objective, as small pure functions of the discriminator's scores.

    Both updates may compare real and fake scores (relativistic losses such as RpGAN do). A loss
    whose generator objective ignores the real scores says so with ``relativistic = False``: the
    generator's update then skips the discriminator's forward pass on real data and passes ``None``.
    """

    relativistic: bool

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor: ...

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor: ...


@runtime_checkable
class Regularizer(Protocol):
    """A term of the discriminator's update that is not the loss: a penalty, a projection, or both.

    ``penalty`` returns the weighted term to add to the discriminator's objective (``None``: nothing
    to add), computed outside autocast; ``after_step`` runs after each discriminator update
    (weight clipping projects the weights there). With ``every = k > 1`` the penalty is applied on
    every k-th discriminator update only, multiplied by k (lazy regularisation, Karras et al. 2020),
    and ``after_step`` still runs after every update.
    """

    name: str
    every: int

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None: ...

    def after_step(self, discriminator: nn.Module) -> None: ...
