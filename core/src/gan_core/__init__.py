"""gan-core: the contracts, plugin system, training loop, data sets and CLI of the gan library.

What this package exports is the plugin API: a plugin (and a script) imports from ``gan_core`` and
from the documented submodules ``gan_core.backbones``, ``gan_core.data``, ``gan_core.losses``,
``gan_core.regularizers``, ``gan_core.augment``, ``gan_core.testing``, ``gan_core.errors`` and
``gan_core.hookspecs``.
Every other module is private (its name starts with ``_``) and may change in any release; the module
paths of gan-core 0.1 still work in 0.2, with a :class:`GanDeprecationWarning`.
"""

import sys
import warnings
from typing import Any

from gan_core._config import (
    RunConfig,
    TrainConfig,
    in_range,
    layer_sizes,
    non_negative,
    one_of,
    positive,
    resolve_config,
)
from gan_core._files import atomic_write, atomic_write_text
from gan_core._game import Game, StepContext, StepFn, alternating_step, frozen
from gan_core._inference import (
    batched_forward,
    forward_batches,
    generate,
    grid_labels,
    process_share,
    sample_latent,
)
from gan_core._inputs import GeneratorInput, InputSampler, Noise, SourceSamples
from gan_core._plugins import ENTRY_POINT_GROUP, create_registry
from gan_core._protocols import Discriminator, Generator, Loss, Regularizer
from gan_core._records import (
    CommandSpec,
    DataInfo,
    DataKind,
    DataOptions,
    DatasetCatalog,
    DatasetSpec,
    FeatureExtractorSpec,
    LoadedData,
    LossSpec,
    MetricSpec,
)
from gan_core._registry import PluginReport, Registry
from gan_core._rundir import RunDir, TrainedRun, checkpoint_step, load_discriminator, load_generator, load_run
from gan_core._sample_files import check_sample_path, save_samples
from gan_core._training.evaluation import EVAL_PREFIX, measure_metrics, run_evaluators
from gan_core._training.trainer import GanTrainer, TrainResult, train
from gan_core._variant import EvalContext, Evaluator, Variant
from gan_core._version import __version__
from gan_core.errors import (
    AmbiguousNameError,
    CheckpointError,
    ConfigError,
    DataUnavailableError,
    DivergenceError,
    GanDeprecationWarning,
    GanError,
    GanWarning,
    PluginError,
    RunDirectoryError,
    RunDirectoryLockedError,
    UnknownNameError,
    describe_choices,
)
from gan_core.hookspecs import hookimpl
from gan_core.losses import HingeLoss, LeastSquaresLoss, MinimaxLoss, NonSaturatingLoss, RpGANLoss
from gan_core.regularizers import R1, R2, GradientPenalty, WeightClipping

# shown by default, so that a 0.1 plugin's author sees what to change (DeprecationWarning is hidden
# outside __main__); a user's own -W options or filters decide instead when they set any
if not sys.warnoptions:
    warnings.filterwarnings("default", category=GanDeprecationWarning)

_DEPRECATED = {
    "GanModels": "gan_core._compat",
    "get_registry": "gan_core._deprecated",
    "Trainer": "gan_core._deprecated",
}


def __getattr__(name: str) -> Any:
    """gan-core 0.1 names that 0.2 replaced: ``GanModels`` (now :class:`Game`), ``get_registry`` (the
    registry is passed down, never fetched) and the unused ``Trainer`` protocol."""
    if name not in _DEPRECATED:
        raise AttributeError(f"module 'gan_core' has no attribute {name!r}")
    import importlib

    from gan_core._compat import deprecated

    if name != "get_registry":  # which warns, with its own advice, when it is called
        deprecated(f"gan_core.{name} is gan-core 0.1's")
    return getattr(importlib.import_module(_DEPRECATED[name]), name)


__all__ = [
    "ENTRY_POINT_GROUP",
    "EVAL_PREFIX",
    "R1",
    "R2",
    "AmbiguousNameError",
    "CheckpointError",
    "CommandSpec",
    "ConfigError",
    "DataInfo",
    "DataKind",
    "DataOptions",
    "DataUnavailableError",
    "DatasetCatalog",
    "DatasetSpec",
    "Discriminator",
    "DivergenceError",
    "EvalContext",
    "Evaluator",
    "FeatureExtractorSpec",
    "Game",
    "GanDeprecationWarning",
    "GanError",
    "GanTrainer",
    "GanWarning",
    "Generator",
    "GeneratorInput",
    "GradientPenalty",
    "HingeLoss",
    "InputSampler",
    "LeastSquaresLoss",
    "LoadedData",
    "Loss",
    "LossSpec",
    "MetricSpec",
    "MinimaxLoss",
    "Noise",
    "NonSaturatingLoss",
    "PluginError",
    "PluginReport",
    "Registry",
    "Regularizer",
    "RpGANLoss",
    "RunConfig",
    "RunDir",
    "RunDirectoryError",
    "RunDirectoryLockedError",
    "SourceSamples",
    "StepContext",
    "StepFn",
    "TrainConfig",
    "TrainResult",
    "TrainedRun",
    "UnknownNameError",
    "Variant",
    "WeightClipping",
    "__version__",
    "alternating_step",
    "atomic_write",
    "atomic_write_text",
    "batched_forward",
    "check_sample_path",
    "checkpoint_step",
    "create_registry",
    "describe_choices",
    "forward_batches",
    "frozen",
    "generate",
    "grid_labels",
    "hookimpl",
    "in_range",
    "layer_sizes",
    "load_discriminator",
    "load_generator",
    "load_run",
    "measure_metrics",
    "non_negative",
    "one_of",
    "positive",
    "process_share",
    "resolve_config",
    "run_evaluators",
    "sample_latent",
    "save_samples",
    "train",
]
