"""Deprecated since gan-core 0.2 (removed in 0.3): gan_core.training.step is private now; import from gan_core."""

from gan_core._deprecated import forward

__getattr__ = forward("gan_core.training.step", "gan_core._game")
