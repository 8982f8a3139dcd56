"""The paper's objectives. They belong to the core since gan-core 0.2 (``gan_core.losses``, registered
as ``minimax`` and ``non-saturating`` for every variant); this module keeps vanilla's 0.1 names."""

from __future__ import annotations

from gan_core.losses import (
    MinimaxLoss,
    NonSaturatingLoss,
    discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
)

__all__ = [
    "MinimaxLoss",
    "NonSaturatingLoss",
    "discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
]
