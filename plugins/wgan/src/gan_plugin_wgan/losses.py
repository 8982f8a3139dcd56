"""The Wasserstein objective; the two ways of keeping the critic (roughly) 1-Lipschitz are regularisers.

Arjovsky, Chintala and Bottou (2017) estimate the Earth-Mover distance through its Kantorovich-Rubinstein
dual, ``W(P_r, P_g) = sup_{||f||_L <= 1} E_{P_r}[f(x)] - E_{P_g}[f(x)]``: the critic ``f`` maximises that
difference (minimises its negative) and the generator minimises ``-E[f(G(z))]``. The critic's scores are
unbounded reals, not logits. The Lipschitz constraint is a regulariser of the core, composable with any
loss: weight clipping (:class:`gan_core.WeightClipping`, the WGAN paper) or the gradient penalty of
Gulrajani et al. (2017) (:class:`gan_core.GradientPenalty`), ``lambda * E[(||grad f(x_hat)||_2 - 1)^2]``
at random points ``x_hat`` on straight lines between real and generated samples.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
from torch import Tensor, nn


def critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """``E[f(G(z))] - E[f(x)]``: the negative of the critic's estimate of the Wasserstein distance."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: Tensor) -> Tensor:
    """``-E[f(G(z))]``: the only term of the estimate that depends on the generator."""
    return -fake_scores.mean()


@attrs.frozen
class WassersteinLoss:
    """The WGAN objective (registered as ``wasserstein``); pair it with a Lipschitz regulariser."""

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return critic_loss(real_scores, fake_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores)


@attrs.frozen
class _WassersteinGPLoss:
    """gan-plugin-wgan 0.1's loss with the gradient penalty as a method; in 0.2 the penalty is the
    regulariser :class:`gan_core.regularizers.GradientPenalty`, beside :class:`WassersteinLoss`."""

    gp_weight: float = 10.0

    def __attrs_post_init__(self) -> None:
        import warnings

        from gan_core import GanDeprecationWarning

        warnings.warn(
            "gan_plugin_wgan.WassersteinGPLoss is deprecated since 0.2 (removed in 0.3): use "
            "Game(loss=WassersteinLoss(), regularizers=(gan_core.regularizers.GradientPenalty(weight),))",
            GanDeprecationWarning,
            stacklevel=3,
        )

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return critic_loss(real_scores, fake_scores)

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return generator_loss(fake_scores)

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        from gan_core.regularizers import gradient_penalty

        return gradient_penalty(discriminator, real, fake, y, self.gp_weight)


_MOVED = {"gradient_penalty": "gan_core.regularizers", "clip_weights_": "gan_core.regularizers"}


def __getattr__(name: str) -> object:
    """0.1 names kept through 0.2 with a warning: ``WassersteinGPLoss`` and the penalty's functions."""
    if name == "WassersteinGPLoss":
        return _WassersteinGPLoss
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    from gan_core import GanDeprecationWarning

    warnings.warn(
        f"gan_plugin_wgan.{name} is deprecated since 0.2 (removed in 0.3): import it from {_MOVED[name]}",
        GanDeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(_MOVED[name]), name)
