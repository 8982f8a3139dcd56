"""Adversarial losses as small pure functions of discriminator scores, and their :class:`~gan_core.Loss` objects.

The core registers each under a name (``gan plugins`` lists them), and variants whose configuration
lets the user choose a loss look it up by that name, so a loss serves every such variant.

The probabilistic losses work on logits ``l`` with ``D = sigmoid(l)``: ``log D = -softplus(-l)`` and
``log(1 - D) = -softplus(l)`` are exact and never take the log of a probability rounded to zero.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
from torch import Tensor
from torch.nn.functional import softplus

from gan_core._records import LossSpec


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
    """``-[t log D(x) + (1 - t) log(1 - D(x))] - log(1 - D(G(z)))`` (Goodfellow et al. 2014, eq. 1); ``t < 1``
    is one-sided label smoothing (Salimans et al. 2016): only the real targets are softened."""
    real = real_label * softplus(-real_logits) + (1.0 - real_label) * softplus(real_logits)
    return real.mean() + softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """Minimise ``log(1 - D(G(z)))``: the game as written; its gradient vanishes when D wins."""
    return -softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """Minimise ``-log D(G(z))``: same fixed point, strong gradients early in training (paper, sec. 3)."""
    return softplus(-fake_logits).mean()


@attrs.frozen
class MinimaxLoss:
    """The two-player minimax game ``min_G max_D V(D, G)`` of Goodfellow et al. 2014."""

    real_label: float = 1.0
    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return discriminator_loss(real_scores, fake_scores, self.real_label)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return minimax_generator_loss(fake_scores)


@attrs.frozen
class NonSaturatingLoss(MinimaxLoss):
    """The heuristic Goodfellow et al. recommend in practice: the generator maximises ``log D(G(z))``."""

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return non_saturating_generator_loss(fake_scores)


#: what the core registers (``gan plugins`` lists them under ``core``)
CORE_LOSSES: tuple[LossSpec, ...] = (
    LossSpec("minimax", MinimaxLoss, "log(1 - D(G(z))) for G; Goodfellow et al. 2014, eq. 1"),
    LossSpec("non-saturating", NonSaturatingLoss, "-log D(G(z)) for G; Goodfellow et al. 2014, sec. 3"),
)

__all__ = [
    "CORE_LOSSES",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
]
