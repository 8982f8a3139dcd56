"""Registration with gan-core (entry point ``gan: metrics``): the metrics for ``train.eval_metrics``,
the feature extractors, and the ``gan eval`` command.

Names only (:class:`~gan_core.Deferred`): the specs live in modules that import torch and are loaded
when first used, so that ``gan --help`` and ``gan plugins`` cost no torch import. A test keeps these
names equal to the specs' own.
"""

from __future__ import annotations

from collections.abc import Callable

from gan_core import Deferred, hookimpl
from gan_plugin_metrics._names import FEATURE_EXTRACTOR_NAMES, METRICS, POINT_METRICS

#: the help line of `gan eval` (gan_plugin_metrics.cli.EVAL_COMMAND uses it too)
EVAL_HELP = (
    "measure a trained run: FID, KID, IS, precision/recall, density/coverage, class coverage, point "
    "metrics, any registered metric"
)


@hookimpl
def gan_register_metrics(register: Callable[[Deferred], None]) -> None:
    for name in METRICS + POINT_METRICS:  # METRIC_SPECS' order
        register(Deferred(name, "gan_plugin_metrics.evaluation.specs:METRIC_SPECS"))


@hookimpl
def gan_register_feature_extractors(register: Callable[[Deferred], None]) -> None:
    for name in FEATURE_EXTRACTOR_NAMES:
        register(Deferred(name, "gan_plugin_metrics.features.registry:FEATURE_EXTRACTORS"))


@hookimpl
def gan_register_commands(register: Callable[[Deferred], None]) -> None:
    register(Deferred("eval", "gan_plugin_metrics.cli:EVAL_COMMAND", EVAL_HELP))
