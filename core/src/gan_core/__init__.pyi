"""The public API of gan-core, for type checkers and for the lazy loader that reads it
(``gan_core/__init__.py``): each name below is imported on first use, so that ``import gan_core``
and the ``gan`` command's help cost no torch import."""

from . import augment as augment
from . import backbones as backbones
from . import data as data
from . import errors as errors
from . import hookspecs as hookspecs
from . import losses as losses
from . import regularizers as regularizers
from ._config import (
    RunConfig as RunConfig,
)
from ._config import (
    TrainConfig as TrainConfig,
)
from ._config import (
    config_to_toml as config_to_toml,
)
from ._config import (
    in_range as in_range,
)
from ._config import (
    layer_sizes as layer_sizes,
)
from ._config import (
    non_negative as non_negative,
)
from ._config import (
    one_of as one_of,
)
from ._config import (
    positive as positive,
)
from ._config import (
    resolve_config as resolve_config,
)
from ._files import (
    atomic_write as atomic_write,
)
from ._files import (
    atomic_write_text as atomic_write_text,
)
from ._game import (
    Game as Game,
)
from ._game import (
    StepContext as StepContext,
)
from ._game import (
    StepFn as StepFn,
)
from ._game import (
    alternating_step as alternating_step,
)
from ._game import (
    frozen as frozen,
)
from ._inference import (
    batched_forward as batched_forward,
)
from ._inference import (
    forward_batches as forward_batches,
)
from ._inference import (
    generate as generate,
)
from ._inference import (
    grid_labels as grid_labels,
)
from ._inference import (
    process_share as process_share,
)
from ._inference import (
    sample_latent as sample_latent,
)
from ._inputs import (
    GeneratorInput as GeneratorInput,
)
from ._inputs import (
    InputSampler as InputSampler,
)
from ._inputs import (
    Noise as Noise,
)
from ._inputs import (
    SourceSamples as SourceSamples,
)
from ._plugins import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
)
from ._plugins import (
    create_registry as create_registry,
)
from ._protocols import (
    Discriminator as Discriminator,
)
from ._protocols import (
    Generator as Generator,
)
from ._protocols import (
    Loss as Loss,
)
from ._protocols import (
    Regularizer as Regularizer,
)
from ._records import (
    CommandSpec as CommandSpec,
)
from ._records import (
    DataInfo as DataInfo,
)
from ._records import (
    DataKind as DataKind,
)
from ._records import (
    DataOptions as DataOptions,
)
from ._records import (
    DatasetCatalog as DatasetCatalog,
)
from ._records import (
    DatasetSpec as DatasetSpec,
)
from ._records import (
    Deferred as Deferred,
)
from ._records import (
    FeatureExtractorSpec as FeatureExtractorSpec,
)
from ._records import (
    LoadedData as LoadedData,
)
from ._records import (
    LossSpec as LossSpec,
)
from ._records import (
    MetricSpec as MetricSpec,
)
from ._registry import (
    PluginReport as PluginReport,
)
from ._registry import (
    Registry as Registry,
)
from ._rundir import (
    RunDir as RunDir,
)
from ._rundir import (
    TrainedRun as TrainedRun,
)
from ._rundir import (
    checkpoint_step as checkpoint_step,
)
from ._rundir import (
    load_discriminator as load_discriminator,
)
from ._rundir import (
    load_generator as load_generator,
)
from ._rundir import (
    load_run as load_run,
)
from ._sample_files import (
    check_sample_path as check_sample_path,
)
from ._sample_files import (
    save_samples as save_samples,
)
from ._threads import (
    choose_threads as choose_threads,
)
from ._training.evaluation import (
    EVAL_PREFIX as EVAL_PREFIX,
)
from ._training.evaluation import (
    measure_metrics as measure_metrics,
)
from ._training.evaluation import (
    run_evaluators as run_evaluators,
)
from ._training.trainer import (
    GanTrainer as GanTrainer,
)
from ._training.trainer import (
    TrainResult as TrainResult,
)
from ._training.trainer import (
    train as train,
)
from ._variant import (
    EvalContext as EvalContext,
)
from ._variant import (
    Evaluator as Evaluator,
)
from ._variant import (
    Variant as Variant,
)
from ._version import (
    __version__ as __version__,
)
from .errors import (
    AmbiguousNameError as AmbiguousNameError,
)
from .errors import (
    CheckpointError as CheckpointError,
)
from .errors import (
    ConfigError as ConfigError,
)
from .errors import (
    DataUnavailableError as DataUnavailableError,
)
from .errors import (
    DivergenceError as DivergenceError,
)
from .errors import (
    GanDeprecationWarning as GanDeprecationWarning,
)
from .errors import (
    GanError as GanError,
)
from .errors import (
    GanWarning as GanWarning,
)
from .errors import (
    PluginError as PluginError,
)
from .errors import (
    RunDirectoryError as RunDirectoryError,
)
from .errors import (
    RunDirectoryLockedError as RunDirectoryLockedError,
)
from .errors import (
    UnknownNameError as UnknownNameError,
)
from .errors import (
    describe_choices as describe_choices,
)
from .hookspecs import (
    hookimpl as hookimpl,
)
from .losses import (
    HingeLoss as HingeLoss,
)
from .losses import (
    LeastSquaresLoss as LeastSquaresLoss,
)
from .losses import (
    MinimaxLoss as MinimaxLoss,
)
from .losses import (
    NonSaturatingLoss as NonSaturatingLoss,
)
from .losses import (
    RpGANLoss as RpGANLoss,
)
from .regularizers import (
    R1 as R1,
)
from .regularizers import (
    R2 as R2,
)
from .regularizers import (
    GradientPenalty as GradientPenalty,
)
from .regularizers import (
    WeightClipping as WeightClipping,
)

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
    "Deferred",
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
    "choose_threads",
    "config_to_toml",
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
