"""Adversarial losses as small pure functions of discriminator scores, and their :class:`~gan_core.Loss` objects.

The core registers each under a name (``gan plugins`` lists them), and variants whose configuration
lets the user choose a loss look it up by that name, so a loss serves every such variant.

The probabilistic losses work on logits ``l`` with ``D = sigmoid(l)``: ``log D = -softplus(-l)`` and
``log(1 - D) = -softplus(l)`` are exact and never take the log of a probability rounded to zero.
The others read raw scores: the hinge loss (Lim and Ye 2017; Miyato et al. 2018), least squares
(Mao et al. 2017) and the relativistic pairing loss RpGAN (Jolicoeur-Martineau 2019), which R3GAN
(Huang et al. 2024) pairs with zero-centred R1 and R2 penalties.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
from torch import Tensor
from torch.nn.functional import relu, softplus

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
    #: D's scores are logits of the probability that a sample is real: the probes report sigmoid(score)
    #: (an optional attribute of a loss; raw scores are reported where it is missing or false)
    probabilities: ClassVar[bool] = True

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return discriminator_loss(real_scores, fake_scores, self.real_label)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return minimax_generator_loss(fake_scores)


@attrs.frozen
class NonSaturatingLoss(MinimaxLoss):
    """The heuristic Goodfellow et al. recommend in practice: the generator maximises ``log D(G(z))``."""

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return non_saturating_generator_loss(fake_scores)


def hinge_discriminator_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``: the margin loss of Lim and Ye (2017), as
    Miyato et al. (2018) train spectrally normalised discriminators with it."""
    return relu(1.0 - real_scores).mean() + relu(1.0 + fake_scores).mean()


def hinge_generator_loss(fake_scores: Tensor) -> Tensor:
    """``-E[D(G(z))]``: the generator raises the fakes' scores without a margin."""
    return -fake_scores.mean()


def least_squares_discriminator_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """``1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]``: Mao et al. (2017), eq. 2 with the 0-1 coding of eq. 9."""
    return 0.5 * (real_scores - 1.0).square().mean() + 0.5 * fake_scores.square().mean()


def least_squares_generator_loss(fake_scores: Tensor) -> Tensor:
    """``1/2 E[(D(G(z)) - 1)^2]``: the fakes pulled toward the real target."""
    return 0.5 * (fake_scores - 1.0).square().mean()


def rpgan_loss(better_scores: Tensor, worse_scores: Tensor) -> Tensor:
    """``E[softplus(-(s_better - s_worse))] = -E[log sigmoid(s_better - s_worse)]``, pair by pair: the
    relativistic pairing loss (Jolicoeur-Martineau 2019; Huang et al. 2024, eq. 2). D calls the reals
    better than the fakes, G the fakes better than the reals; the i-th real and fake form a pair."""
    if better_scores.shape != worse_scores.shape:
        raise ValueError(
            f"RpGAN pairs each real with a fake: scores of shapes {tuple(better_scores.shape)} and "
            f"{tuple(worse_scores.shape)} do not pair"
        )
    return softplus(worse_scores - better_scores).mean()


@attrs.frozen
class HingeLoss:
    """The hinge game: ``max(0, 1 - D(x)) + max(0, 1 + D(G(z)))`` for D, ``-D(G(z))`` for G."""

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return hinge_discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return hinge_generator_loss(fake_scores)


@attrs.frozen
class LeastSquaresLoss:
    """The least-squares game with the 0-1 coding (Mao et al. 2017, eq. 9)."""

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return least_squares_discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return least_squares_generator_loss(fake_scores)


@attrs.frozen
class RpGANLoss:
    """The relativistic pairing game: each player pushes its side of every (real, fake) pair above the
    other, so the generator's update reads the real scores too (``relativistic = True``)."""

    relativistic: ClassVar[bool] = True

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return rpgan_loss(real_scores, fake_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        if real_scores is None:
            raise ValueError("RpGAN's generator loss compares each fake with a real: pass the real scores")
        return rpgan_loss(fake_scores, real_scores)


#: what the core registers (``gan plugins`` lists them under ``core``)
CORE_LOSSES: tuple[LossSpec, ...] = (
    LossSpec("minimax", MinimaxLoss, "log(1 - D(G(z))) for G; Goodfellow et al. 2014, eq. 1"),
    LossSpec("non-saturating", NonSaturatingLoss, "-log D(G(z)) for G; Goodfellow et al. 2014, sec. 3"),
    LossSpec("hinge", HingeLoss, "max(0, 1 -+ D) for D, -D(G(z)) for G; Lim and Ye 2017, Miyato et al. 2018"),
    LossSpec("least-squares", LeastSquaresLoss, "squared distance to 1 (real) and 0 (fake); Mao et al. 2017"),
    LossSpec("rpgan", RpGANLoss, "softplus of score differences, paired; Jolicoeur-Martineau 2019, R3GAN 2024"),
)

__all__ = [
    "CORE_LOSSES",
    "HingeLoss",
    "LeastSquaresLoss",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "RpGANLoss",
    "discriminator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "rpgan_loss",
]
