"""Evaluation plumbing: metrics by name, the real-data cache, ``evaluate_run`` and the trainer's MetricSpecs."""

from gan_plugin_metrics.evaluation.cache import CacheKey, RealFeatureCache, default_cache_dir
from gan_plugin_metrics.evaluation.metrics import (
    DEFAULT_METRICS,
    METRICS,
    MetricSettings,
    compute_metrics,
    format_table,
    parse_metrics,
)
from gan_plugin_metrics.evaluation.run import METRICS_FILE, Evaluation, evaluate_run
from gan_plugin_metrics.evaluation.specs import METRIC_SPECS, compute_metric

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "METRICS_FILE",
    "METRIC_SPECS",
    "CacheKey",
    "Evaluation",
    "MetricSettings",
    "RealFeatureCache",
    "compute_metric",
    "compute_metrics",
    "default_cache_dir",
    "evaluate_run",
    "format_table",
    "parse_metrics",
]
