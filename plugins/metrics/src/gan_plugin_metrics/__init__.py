"""Sample-quality metrics for gan: FID, KID, IS, precision/recall, density/coverage, classifier scores, and
point metrics (mode coverage and sliced Wasserstein distance) for 2-D runs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-metrics")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

# --- metric maths: functions of feature arrays (gan_plugin_metrics.functional) ---------------------
from gan_plugin_metrics.functional import (
    ClassCoverage,
    DensityCoverage,
    FeatureStatistics,
    MeanStd,
    PrecisionRecall,
    class_coverage,
    conditional_accuracy,
    density_coverage,
    fid_from_features,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    mode_coverage,
    precision_recall,
    sliced_wasserstein,
)

__all__ = [
    "ClassCoverage",
    "DensityCoverage",
    "FeatureStatistics",
    "MeanStd",
    "PrecisionRecall",
    "__version__",
    "class_coverage",
    "conditional_accuracy",
    "density_coverage",
    "fid_from_features",
    "frechet_distance",
    "inception_score",
    "kernel_inception_distance",
    "mode_coverage",
    "precision_recall",
    "sliced_wasserstein",
]

# --- feature extractors and evaluation of runs (gan_plugin_metrics.features, .evaluation) ------------
from gan_plugin_metrics.evaluation import (
    METRICS,
    POINT_METRICS,
    Evaluation,
    MetricSettings,
    compute_metric,
    compute_metrics,
    evaluate_run,
    resolve_metrics,
)
from gan_plugin_metrics.features import (
    DEFAULT_RESIZE,
    RESIZE_MODES,
    Extracted,
    FeatureExtractor,
    WeightsUnavailableError,
    extract_features,
)
from gan_plugin_metrics.features.registry import load_extractor

__all__ += [
    "DEFAULT_RESIZE",
    "METRICS",
    "POINT_METRICS",
    "RESIZE_MODES",
    "Evaluation",
    "Extracted",
    "FeatureExtractor",
    "MetricSettings",
    "WeightsUnavailableError",
    "compute_metric",
    "compute_metrics",
    "evaluate_run",
    "extract_features",
    "load_extractor",
    "resolve_metrics",
]
