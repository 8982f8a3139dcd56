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


def __getattr__(name: str) -> object:
    """``LOSS_CLASSES``, 0.1's table that dcgan and cgan copied: kept with a warning through 0.2."""
    if name != "LOSS_CLASSES":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import warnings

    from gan_core import GanDeprecationWarning

    warnings.warn(
        "gan_plugin_vanilla.losses.LOSS_CLASSES is deprecated since 0.2 (removed in 0.3): name the loss in "
        "the game, Game(loss=config.loss), and the registry looks it up",
        GanDeprecationWarning,
        stacklevel=2,
    )
    return {"minimax": MinimaxLoss, "non-saturating": NonSaturatingLoss}
