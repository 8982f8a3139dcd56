"""The contracts between the core and the plugins.

They are structural (:class:`typing.Protocol`): a plugin's networks and losses need not inherit from
anything of ours, they only need the right shape. ``runtime_checkable`` lets the conformance kit and
the builder check a plugin's objects early, with a clear message, rather than deep in a training step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from torch import Tensor, nn


@runtime_checkable
class Generator(Protocol):
    """Maps latent codes (and, for conditional variants, labels) to samples in data space.

    Implementations are :class:`torch.nn.Module` subclasses; ``latent_dim`` tells the trainer what
    noise to draw: ``z ~ N(0, I)`` of shape ``(batch, latent_dim)``.
    """

    latent_dim: int

    def __call__(self, z: Tensor, y: Tensor | None = None) -> Tensor: ...

    def parameters(self, recurse: bool = True) -> Any: ...


@runtime_checkable
class Discriminator(Protocol):
    """Scores samples: logits for probabilistic GANs, unbounded critic values for Wasserstein GANs.

    Returns a tensor of shape ``(batch,)``; the losses never apply a sigmoid themselves, so that the
    log-probabilities can be computed stably from logits.
    """

    def __call__(self, x: Tensor, y: Tensor | None = None) -> Tensor: ...

    def parameters(self, recurse: bool = True) -> Any: ...


@runtime_checkable
class Loss(Protocol):
    """The adversarial objective, written as small pure functions of discriminator outputs.

    ``penalty`` is for terms that need the networks themselves (a gradient penalty); losses without
    one return ``None`` so the trainer can skip the extra work entirely.
    """

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor: ...

    def generator_loss(self, fake_scores: Tensor) -> Tensor: ...

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None: ...


@runtime_checkable
class Trainer(Protocol):
    """Runs a variant to a configured number of steps, writing a run directory."""

    out_dir: Path

    def fit(self, resume: bool = False) -> Any: ...
