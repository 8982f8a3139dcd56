"""A loss from outside vanilla, registered by a test plugin: vanilla's ``model.loss`` takes any registered loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import attrs
from torch import Tensor
from torch.nn.functional import relu

from gan_core import LossSpec, hookimpl


@attrs.frozen
class MarginLoss:
    """A margin loss of width 2 (the hinge loss with a wider margin): nothing vanilla or the core registers."""

    relativistic: ClassVar[bool] = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return relu(2 - real_scores).mean() + relu(2 + fake_scores).mean()

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return -fake_scores.mean()


class MarginPlugin:
    """A test plugin that registers the loss ``margin`` (and nothing else)."""

    @hookimpl
    def gan_register_losses(self, register: Callable[[LossSpec], None]) -> None:
        register(LossSpec("margin", MarginLoss, "max(0, 2 - D(x)) + max(0, 2 + D(G(z))) for D; -D(G(z)) for G"))
