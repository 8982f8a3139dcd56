"""The paper's objectives as functions of discriminator logits ``l``, with ``D = sigmoid(l)``.

``log D = -softplus(-l)`` and ``log(1 - D) = -softplus(l)`` are exact and never take the log of a
rounded-to-zero probability, so the losses stay finite for any logit.
"""

from __future__ import annotations

import attrs
from torch import Tensor, nn
from torch.nn.functional import softplus


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
    """``-[t log D(x) + (1 - t) log(1 - D(x))] - log(1 - D(G(z)))``; ``t < 1`` is one-sided label
    smoothing (Salimans et al. 2016): only the real targets are softened."""
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
    """The two-player minimax game ``min_G max_D V(D, G)``."""

    real_label: float = 1.0

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return discriminator_loss(real_scores, fake_scores, self.real_label)

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return minimax_generator_loss(fake_scores)

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> None:
        return None


@attrs.frozen
class NonSaturatingLoss(MinimaxLoss):
    """The heuristic the paper recommends in practice: the generator maximises ``log D(G(z))``."""

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return non_saturating_generator_loss(fake_scores)


LOSS_CLASSES = {"minimax": MinimaxLoss, "non-saturating": NonSaturatingLoss}
