"""Registration with gan-core (entry point ``gan: metrics``): the metrics for ``train.eval_metrics``,
the feature extractors, and the ``gan eval`` command."""

from __future__ import annotations

from collections.abc import Callable

from gan_core import CommandSpec, FeatureExtractorSpec, MetricSpec, hookimpl


@hookimpl
def gan_register_metrics(register: Callable[[MetricSpec], None]) -> None:
    from gan_plugin_metrics.evaluation.specs import METRIC_SPECS

    for spec in METRIC_SPECS:
        register(spec)


@hookimpl
def gan_register_feature_extractors(register: Callable[[FeatureExtractorSpec], None]) -> None:
    from gan_plugin_metrics.features.registry import FEATURE_EXTRACTORS

    for spec in FEATURE_EXTRACTORS:
        register(spec)


@hookimpl
def gan_register_commands(register: Callable[[CommandSpec], None]) -> None:
    from gan_plugin_metrics.cli import EVAL_COMMAND

    register(EVAL_COMMAND)
