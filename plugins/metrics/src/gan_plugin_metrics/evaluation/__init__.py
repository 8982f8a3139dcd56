"""Evaluation plumbing: metrics by name, the real-data cache, ``evaluate_run`` and the trainer's MetricSpecs."""

from gan_plugin_metrics._names import POINT_METRICS
from gan_plugin_metrics.evaluation.cache import CacheKey, RealFeatureCache, default_cache_dir
from gan_plugin_metrics.evaluation.metrics import (
    DEFAULT_METRICS,
    METRICS,
    MetricSettings,
    compute_metrics,
    format_table,
    parse_metrics,
)
from gan_plugin_metrics.evaluation.points import POINT_METRIC_SPECS, toy_mixture
from gan_plugin_metrics.evaluation.run import METRICS_FILE, Evaluation, ResolvedMetrics, evaluate_run, resolve_metrics
from gan_plugin_metrics.evaluation.specs import EXTRACTOR_METRIC_SPECS, METRIC_SPECS, compute_metric

__all__ = [
    "DEFAULT_METRICS",
    "EXTRACTOR_METRIC_SPECS",
    "METRICS",
    "METRICS_FILE",
    "METRIC_SPECS",
    "POINT_METRICS",
    "POINT_METRIC_SPECS",
    "CacheKey",
    "Evaluation",
    "MetricSettings",
    "RealFeatureCache",
    "ResolvedMetrics",
    "compute_metric",
    "compute_metrics",
    "default_cache_dir",
    "evaluate_run",
    "format_table",
    "parse_metrics",
    "resolve_metrics",
    "toy_mixture",
]
