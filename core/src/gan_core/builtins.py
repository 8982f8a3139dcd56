"""Deprecated since gan-core 0.2 (removed in 0.3): gan_core.builtins is private now; import from gan_core."""

from gan_core._deprecated import forward

__getattr__ = forward("gan_core.builtins", "gan_core._builtins", "gan_core._datasets")
