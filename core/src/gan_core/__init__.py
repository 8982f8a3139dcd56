"""gan-core: protocols, plugin system, training loop, data sets and CLI of the gan library."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from gan_core.cli.commands import CommandSpec
from gan_core.config import (
    RunConfig,
    TrainConfig,
    in_range,
    layer_sizes,
    non_negative,
    one_of,
    positive,
    resolve_config,
)
from gan_core.data.registry import DataOptions, DatasetSpec, LoadedData
from gan_core.errors import ConfigError, GanError, PluginError, UnknownNameError
from gan_core.hookspecs import hookimpl
from gan_core.plugins import create_registry, get_registry
from gan_core.protocols import Discriminator, Generator, Loss, Trainer
from gan_core.registry import Registry
from gan_core.training import GanTrainer, StepContext, TrainResult, alternating_step, train
from gan_core.training.evaluation import EvalContext
from gan_core.variant import DataInfo, Evaluator, FeatureExtractorSpec, GanModels, LossSpec, MetricSpec, Variant

__all__ = [
    "CommandSpec",
    "ConfigError",
    "DataInfo",
    "DataOptions",
    "DatasetSpec",
    "Discriminator",
    "EvalContext",
    "Evaluator",
    "FeatureExtractorSpec",
    "GanError",
    "GanModels",
    "GanTrainer",
    "Generator",
    "LoadedData",
    "Loss",
    "LossSpec",
    "MetricSpec",
    "PluginError",
    "Registry",
    "RunConfig",
    "StepContext",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "UnknownNameError",
    "Variant",
    "__version__",
    "alternating_step",
    "create_registry",
    "get_registry",
    "hookimpl",
    "in_range",
    "layer_sizes",
    "non_negative",
    "one_of",
    "positive",
    "resolve_config",
    "train",
]
