"""The plugin's names and choices, in a module that imports nothing: the registration
(:mod:`gan_plugin_metrics.plugin`) and ``gan eval --help`` read them without importing torch, and the
modules that implement them import them from here."""

from __future__ import annotations

#: the metrics measured on an extractor's features (gan_plugin_metrics.evaluation.metrics)
METRICS: tuple[str, ...] = ("fid", "kid", "is", "pr", "dc", "class-coverage", "conditional-accuracy", "modes")
#: `gan eval`'s metrics on images when none are named (those the extractor supports)
DEFAULT_METRICS: tuple[str, ...] = ("fid", "kid", "is", "pr", "dc", "class-coverage")
#: the metrics of 2-D point runs (gan_plugin_metrics.evaluation.points)
POINT_MODES = "point-modes"
SWD = "swd"
POINT_METRICS: tuple[str, ...] = (POINT_MODES, SWD)
#: how images reach an extractor's input size (gan_plugin_metrics.features.base)
RESIZE_MODES = ("bilinear-antialias", "bilinear")
DEFAULT_RESIZE = "bilinear-antialias"
#: the feature extractor chosen by the data (gan_plugin_metrics.features.registry)
AUTO = "auto"
#: the registered feature extractors (gan_plugin_metrics.features.registry.FEATURE_EXTRACTORS), in order
FEATURE_EXTRACTOR_NAMES: tuple[str, ...] = ("inception-fid", "digits", "inception-fid-helper", "stacked-digits")
