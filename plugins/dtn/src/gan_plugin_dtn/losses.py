"""The DTN objective (Taigman et al. 2017, equations 3-7) as small pure functions.

The discriminator's logits have three columns, the paper's ``D1`` (``g(f(x))`` for ``x`` from S),
``D2`` (``g(f(x))`` for ``x`` from T) and ``D3`` (real ``x`` from T); each expectation is a batch mean.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import torch
from torch import Tensor
from torch.nn import functional as F

from gan_plugin_dtn.networks import FROM_SOURCE, FROM_TARGET, REAL_TARGET


def _class_ce(logits: Tensor, label: int) -> Tensor:
    """``-E log softmax(logits)[label]``."""
    return F.cross_entropy(logits, torch.full((len(logits),), label, dtype=torch.long, device=logits.device))


def discriminator_loss(fake_source: Tensor, fake_target: Tensor, real_target: Tensor) -> Tensor:
    """``L_D = -E_S log D1(g(f(x))) - E_T log D2(g(f(x))) - E_T log D3(x)`` (equation 3)."""
    return (
        _class_ce(fake_source, FROM_SOURCE) + _class_ce(fake_target, FROM_TARGET) + _class_ce(real_target, REAL_TARGET)
    )


def generator_adversarial_loss(fake_source: Tensor, fake_target: Tensor) -> Tensor:
    """``L_GANG = -E_S log D3(g(f(x))) - E_T log D3(g(f(x)))`` (equation 4): both kinds of fakes
    are pushed towards "real target"."""
    return _class_ce(fake_source, REAL_TARGET) + _class_ce(fake_target, REAL_TARGET)


def f_constancy_loss(features: Tensor, features_of_transfer: Tensor) -> Tensor:
    """``L_CONST = E_S d(f(x), f(g(f(x))))`` with ``d`` the mean squared error (equation 5)."""
    return F.mse_loss(features_of_transfer, features)


def identity_loss(target: Tensor, transfer_of_target: Tensor) -> Tensor:
    """``L_TID = E_T d2(x, g(f(x)))`` with ``d2`` the mean squared error (equation 6)."""
    return F.mse_loss(transfer_of_target, target)


def total_variation(images: Tensor) -> Tensor:
    """``L_TV(z) = sum_ij ((z[i, j+1] - z[i, j])^2 + (z[i+1, j] - z[i, j])^2)^(1/2)`` (equation 7, with
    the paper's exponent B = 1), summed over channels, averaged over the batch."""
    dx = images[..., :-1, 1:] - images[..., :-1, :-1]
    dy = images[..., 1:, :-1] - images[..., :-1, :-1]
    return (dx.square() + dy.square() + 1e-12).sqrt().sum(dim=(1, 2, 3)).mean()


@attrs.frozen
class DTNLoss:
    """The ternary adversarial game (equations 3 and 4) in the core's :class:`gan_core.Loss` shape.

    The DTN step (:class:`gan_plugin_dtn.step.DTNStep`) calls the functions of this module itself;
    these methods serve code that only knows the protocol: scores are ``(batch, 3)`` logits, and
    ``fake_scores`` stacks the transfers of a source batch over those of an equally large target
    batch, in that order.
    """

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        fake_source, fake_target = _halves(fake_scores)
        return discriminator_loss(fake_source, fake_target, real_scores)

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return generator_adversarial_loss(*_halves(fake_scores))


def _halves(scores: Tensor) -> tuple[Tensor, Tensor]:
    if len(scores) % 2:
        raise ValueError(f"fake scores must stack two equal batches (source, target), got {len(scores)} rows")
    half = len(scores) // 2
    return scores[:half], scores[half:]
