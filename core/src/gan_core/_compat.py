"""Adapters that let a plugin written for gan-core 0.1 run on 0.2, each with a warning that says what to change.

0.1 builders returned :class:`GanModels` and 0.1 losses had ``generator_loss(fake_scores)`` and a
``penalty`` method; 0.2 builders return a :class:`gan_core.Game` whose loss sees real and fake scores
and whose penalties are regularisers. :func:`game_from_models` turns the former into the latter
without changing what is computed, so a 0.1 plugin's seeded runs are the same on 0.2.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import attrs
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_core._game import Game, StepFn, alternating_step
from gan_core._inputs import InputSampler, Noise, SourceSamples
from gan_core._protocols import Loss, Regularizer
from gan_core._records import DataInfo
from gan_core.errors import GanDeprecationWarning

MIGRATION = "see 'Migrating a 0.1 plugin' in docs/plugin-authors.md"


def deprecated(message: str, stacklevel: int = 3) -> None:
    warnings.warn(
        f"{message} (deprecated since gan-core 0.2, removed in 0.3; {MIGRATION})",
        GanDeprecationWarning,
        stacklevel=stacklevel,
    )


@attrs.frozen
class GanModels:
    """gan-core 0.1's builder result: the two networks, the loss and their optimizers. Return a
    :class:`gan_core.Game` instead (it adds the input sampler, the regularisers and the step)."""

    generator: nn.Module
    discriminator: nn.Module
    loss: Any
    g_optimizer: Optimizer
    d_optimizer: Optimizer


def is_legacy_loss(loss: object) -> bool:
    """A 0.1 loss: it has ``generator_loss`` but does not declare ``relativistic``."""
    return hasattr(loss, "generator_loss") and not hasattr(loss, "relativistic")


@attrs.frozen
class LegacyLoss:
    """A 0.1 loss in the 0.2 shape: ``generator_loss(real_scores, fake_scores)`` ignores the real scores.

    Other attributes are the wrapped loss's, for 0.1 steps that read them.
    """

    inner: Any
    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return self.inner.discriminator_loss(real_scores, fake_scores)  # type: ignore[no-any-return]

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return self.inner.generator_loss(fake_scores)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@attrs.frozen
class LegacyPenalty:
    """A 0.1 loss's ``penalty`` method as a regulariser applied at every discriminator update."""

    loss: Any
    every: int = 1
    name: str = "penalty"

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None:
        return self.loss.penalty(discriminator, real, fake, y)  # type: ignore[no-any-return]

    def after_step(self, discriminator: nn.Module) -> None:
        return None


def adapt_loss(loss: Any, owner: str) -> tuple[Loss, tuple[Regularizer, ...]]:
    """A 0.2 loss and the regularisers that a 0.1 loss's ``penalty`` becomes (a loss half-migrated to
    0.2 that still has ``penalty`` keeps it too, rather than training without it unawares)."""
    if not is_legacy_loss(loss):
        if callable(getattr(loss, "penalty", None)):
            deprecated(f"{owner}: the loss {type(loss).__name__} has a penalty() method; move it into a regulariser")
            return loss, (LegacyPenalty(loss),)
        return loss, ()
    deprecated(
        f"{owner}: the loss {type(loss).__name__} has 0.1's generator_loss(fake_scores); "
        "write generator_loss(real_scores, fake_scores), set relativistic = False and move penalty() "
        "into a regulariser"
    )
    regularizers: tuple[Regularizer, ...] = (LegacyPenalty(loss),) if callable(getattr(loss, "penalty", None)) else ()
    return LegacyLoss(loss), regularizers


def game_from_models(
    models: GanModels, info: DataInfo, *, owner: str, conditional: bool, source: str | None, step: StepFn | None
) -> Game:
    """The 0.2 game a 0.1 builder's result describes (no change to what any step computes)."""
    deprecated(f"{owner}: build returned GanModels; return gan_core.Game instead")
    loss, regularizers = adapt_loss(models.loss, owner)
    inputs: InputSampler
    if source is not None:
        inputs = SourceSamples(source)
    else:
        num_classes = info.num_classes if conditional else None
        inputs = Noise(int(models.generator.latent_dim), num_classes)  # type: ignore[arg-type]
    return Game(
        generator=models.generator,
        discriminator=models.discriminator,
        g_optimizer=models.g_optimizer,
        d_optimizer=models.d_optimizer,
        inputs=inputs,
        loss=loss,
        regularizers=regularizers,
        step=step or alternating_step,
    )
