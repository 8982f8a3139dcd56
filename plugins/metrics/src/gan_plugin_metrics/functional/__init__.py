"""The metric maths: plain functions of feature arrays (numpy or torch), no networks involved.

Each metric follows its paper and agrees with the reference implementation named in its module; the
agreement is tested in ``tests/plugins/metrics/test_functional_*.py``.
"""

from gan_plugin_metrics.functional.classifier import (
    ClassCoverage,
    ModeKLSplit,
    class_coverage,
    conditional_accuracy,
    mode_kl_split,
)
from gan_plugin_metrics.functional.frechet import fid_from_features, frechet_distance
from gan_plugin_metrics.functional.inception_score import inception_score
from gan_plugin_metrics.functional.kid import MeanStd, kernel_inception_distance
from gan_plugin_metrics.functional.points import (
    SWD_PROJECTIONS,
    SWD_SEED,
    mode_coverage,
    sliced_wasserstein,
    swd_directions,
    wasserstein2_squared_1d,
)
from gan_plugin_metrics.functional.prdc import DensityCoverage, PrecisionRecall, density_coverage, precision_recall
from gan_plugin_metrics.functional.stats import FeatureStatistics

__all__ = [
    "SWD_PROJECTIONS",
    "SWD_SEED",
    "ClassCoverage",
    "DensityCoverage",
    "FeatureStatistics",
    "MeanStd",
    "ModeKLSplit",
    "PrecisionRecall",
    "class_coverage",
    "conditional_accuracy",
    "density_coverage",
    "fid_from_features",
    "frechet_distance",
    "inception_score",
    "kernel_inception_distance",
    "mode_coverage",
    "mode_kl_split",
    "precision_recall",
    "sliced_wasserstein",
    "swd_directions",
    "wasserstein2_squared_1d",
]
