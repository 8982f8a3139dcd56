"""Sample-quality metrics for gan: FID, KID, IS, precision/recall, density/coverage, classifier scores, and
point metrics (mode coverage and sliced Wasserstein distance) for 2-D runs."""

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

try:
    __version__ = version("gan-plugin-metrics")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

# every name is imported on first use (the stub __init__.pyi lists them: the metric maths of
# gan_plugin_metrics.functional, the feature extractors and the evaluation of runs), so that
# registering the plugin, which every `gan` command does, imports no torch
__getattr__, __dir__, _names = lazy_loader.attach_stub(__name__, __file__)
__all__ = [*_names, "__version__"]
