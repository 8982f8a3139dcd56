"""Deprecated since gan-core 0.2 (removed in 0.3): gan_core.sampling is private now; import from gan_core."""

from gan_core._deprecated import forward

__getattr__ = forward("gan_core.sampling", "gan_core._inference", "gan_core._sample_files")
