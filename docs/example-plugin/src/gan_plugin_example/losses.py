"""The least-squares objectives of Mao et al. (2017), eq. (2), as pure functions of raw scores.

The discriminator's last layer is linear (no sigmoid): the squared distance to the targets replaces
the log-loss, which penalises fakes that are on the right side of the boundary but far from the
real data, and so keeps gradients alive where the sigmoid log-loss saturates.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
from torch import Tensor


def discriminator_loss(real_scores: Tensor, fake_scores: Tensor, real_target: float, fake_target: float) -> Tensor:
    """``1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]``."""
    return 0.5 * (real_scores - real_target).square().mean() + 0.5 * (fake_scores - fake_target).square().mean()


def generator_loss(fake_scores: Tensor, generator_target: float) -> Tensor:
    """``1/2 E[(D(G(z)) - c)^2]``."""
    return 0.5 * (fake_scores - generator_target).square().mean()


@attrs.frozen
class LeastSquaresLoss:
    """The :class:`gan_core.Loss` protocol for the functions above (nothing to inherit).

    Both methods see the real and the fake scores; this generator objective reads only the fake
    ones, so ``relativistic = False`` tells the core not to score real samples for it. Penalties
    (a gradient penalty, R1) are not a loss's business: they are regularisers, composable with any
    loss.
    """

    real_target: float = 1.0
    fake_target: float = 0.0
    generator_target: float = 1.0
    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return discriminator_loss(real_scores, fake_scores, self.real_target, self.fake_target)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores, self.generator_target)
