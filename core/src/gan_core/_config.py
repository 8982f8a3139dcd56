"""Run configuration: frozen, validated attrs classes built from TOML and ``--set`` through cattrs.

A run's configuration has three parts, saved together as ``config.toml`` in the run directory::

    variant = "vanilla"
    [train]   # TrainConfig: data, steps, batch size, seed, cadence of logs, samples and checkpoints
    [model]   # the variant's own config class: networks, loss, optimizers

Precedence, lowest first: the config classes' defaults, the variant's ``train_defaults``, the file,
the dedicated CLI flags, then ``--set`` overrides.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import cattrs
import tomli_w

from gan_core._files import atomic_write_text
from gan_core.errors import ConfigError, describe_choices

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE_NAME = "config.toml"
SECTIONS = ("train", "model")


# --- validators: each names the field and the allowed values ------------------------------------


def positive(_: Any, attribute: attrs.Attribute, value: float) -> None:  # type: ignore[type-arg]
    """Reject zero and negative numbers (and NaN: written as 'not > 0' because NaN fails every comparison)."""
    if not value > 0:
        raise ConfigError(attribute.name, f"must be > 0, got {value!r}")


def non_negative(_: Any, attribute: attrs.Attribute, value: float) -> None:  # type: ignore[type-arg]
    """Reject negative numbers (0 usually means 'off') and NaN."""
    if not value >= 0:
        raise ConfigError(attribute.name, f"must be >= 0, got {value!r}")


def layer_sizes(_: Any, attribute: attrs.Attribute, value: tuple[int, ...]) -> None:  # type: ignore[type-arg]
    """Reject an empty list of hidden-layer widths, or one with a width that is not positive."""
    if not value or any(size <= 0 for size in value):
        raise ConfigError(attribute.name, f"must be a non-empty list of positive layer sizes, got {list(value)!r}")


@attrs.frozen(repr=False)
class _InRange:
    """``low <= value <= high`` (either end optionally open); its bounds are attributes, so that tools
    (the config fuzz test, documentation) can read what a field accepts."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def __call__(self, _: Any, attribute: attrs.Attribute, value: float) -> None:  # type: ignore[type-arg]
        above_low = value > self.low if self.low_open else value >= self.low
        below_high = value < self.high if self.high_open else value <= self.high
        if not (above_low and below_high):  # so that NaN, which fails both, is rejected too
            raise ConfigError(attribute.name, f"must be in {self.describe()}, got {value!r}")

    def describe(self) -> str:
        left, right = ("(" if self.low_open else "["), (")" if self.high_open else "]")
        return f"{left}{self.low}, {self.high}{right}"

    def __repr__(self) -> str:
        return f"in_range{self.describe()}"


def in_range(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Any:
    """An attrs validator for ``low <= value <= high`` (either end optionally open)."""
    return _InRange(low, high, low_open, high_open)


@attrs.frozen(repr=False)
class _OneOf:
    """A closed set of values, readable as ``choices``."""

    choices: tuple[object, ...]

    def __call__(self, _: Any, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
        if value not in self.choices:
            raise ConfigError(attribute.name, f"must be {describe_choices(self.choices)}, got {value!r}")

    def __repr__(self) -> str:
        return f"one_of{self.choices!r}"


def one_of(*choices: object) -> Any:
    """An attrs validator for a closed set of values."""
    return _OneOf(choices)


#: numpy's and torch's seeds are unsigned 32-bit numbers; a larger one fails deep inside them
SEED_MAX = 2**32 - 1


#: the transformations of DiffAugment (Zhao et al. 2020), as its policy strings name them
AUGMENTATIONS = ("color", "translation", "cutout")


def _augment_policy(_: Any, attribute: attrs.Attribute, value: str) -> None:  # type: ignore[type-arg]
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(
            attribute.name,
            f"must name transformations from {describe_choices(AUGMENTATIONS)}, separated by commas "
            f"(empty: off), got {unknown[0]!r}",
        )


#: the experiment trackers of Accelerate's tracking API (``accelerate.utils.LoggerType``)
TRACKERS = ("tensorboard", "wandb", "mlflow", "comet_ml", "aim", "clearml", "dvclive", "swanlab", "trackio")


def _trackers(_: Any, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:  # type: ignore[type-arg]
    for name in value:
        if name not in TRACKERS:
            raise ConfigError(attribute.name, f"must list trackers from {describe_choices(TRACKERS)}, got {name!r}")
    if len(set(value)) != len(value):
        raise ConfigError(attribute.name, f"names a tracker twice: {value!r}")


def _finite_non_negative(_: Any, attribute: attrs.Attribute, value: float) -> None:  # type: ignore[type-arg]
    if not (value >= 0 and value != float("inf")):
        raise ConfigError(attribute.name, f"must be a finite number >= 0, got {value!r}")


def _metric_names(_: Any, attribute: attrs.Attribute, value: str) -> None:  # type: ignore[type-arg]
    names = [name.strip() for name in value.split(",")]
    if value.strip() and not all(names):
        raise ConfigError(attribute.name, f"must be metric names separated by commas, got {value!r}")


# --- the core's own section ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TrainConfig:
    """Settings every variant shares. Steps (generator updates) are the unit, never epochs.

    Every float refuses inf and NaN (the converter); ``seed`` is numpy's, 0 to 2**32 - 1;
    ``bad_images`` says what an image folder's unreadable files do ("error" or "skip").
    The user guide's table documents each setting; each field's ``metadata["help"]`` is its one line
    of meaning, which ``gan config VARIANT`` prints (the comments beside them keep the sources).
    """

    dataset: str = attrs.field(
        default="mnist-5k",  # the embedded default: 5,000 real MNIST digits, offline
        metadata={"help": "the data set to train on (`gan plugins` lists them)", "allowed": "a registered data set"},
    )
    steps: int = attrs.field(
        default=5000, validator=positive, metadata={"help": "total generator updates (the unit of training; no epochs)"}
    )
    batch_size: int = attrs.field(
        default=64, validator=positive, metadata={"help": "samples per batch, summed over all processes"}
    )
    d_steps: int = attrs.field(  # k, Goodfellow et al. 2014 Alg. 1 (k=1)
        default=1, validator=positive, metadata={"help": "discriminator updates per generator update"}
    )
    # "linear": every optimizer's learning rate falls linearly from its configured value at step 0
    # to zero at train.steps (Gulrajani et al. 2017's CIFAR-10 recipe); a function of the step alone,
    # so resume stays exact. Resuming to a larger train.steps stretches the rest of the schedule.
    lr_decay: str = attrs.field(
        default="none",
        validator=one_of("none", "linear"),
        metadata={"help": 'learning-rate schedule: "linear" falls from the configured rates to zero at steps'},
    )
    seed: int = attrs.field(
        default=0,
        validator=in_range(0, SEED_MAX),
        metadata={"help": "seeds the weights, the noise and the data order"},
    )
    mixed_precision: str = attrs.field(
        default="no",
        validator=one_of("no", "fp16", "bf16"),
        metadata={"help": "half-precision arithmetic on an accelerator (Accelerate's mixed_precision)"},
    )
    log_every: int = attrs.field(
        default=10, validator=positive, metadata={"help": "steps between lines of log.jsonl (each a mean over them)"}
    )
    sample_every: int = attrs.field(
        default=500, validator=non_negative, metadata={"help": "steps between sample grids; 0: only at the end"}
    )
    checkpoint_every: int = attrs.field(
        default=1000, validator=non_negative, metadata={"help": "steps between checkpoints; 0: only at the end"}
    )
    keep_checkpoints: int = attrs.field(
        default=2, validator=positive, metadata={"help": "how many of the latest checkpoints to keep"}
    )
    grid_size: int = attrs.field(
        default=64, validator=positive, metadata={"help": "samples in each fixed-noise sample grid"}
    )
    image_size: int = attrs.field(
        default=0, validator=non_negative, metadata={"help": "resize images to this square size; 0: the data set's own"}
    )
    data_root: str = attrs.field(
        default="~/.cache/gan/data",
        metadata={"help": "where downloaded data sets and image-folder images live"},
    )
    # image files that cannot be read (image-folder): "error" checks every file before training starts
    # and refuses to start, naming the first; "skip" leaves them out with one warning that counts them
    bad_images: str = attrs.field(
        default="error",
        validator=one_of("error", "skip"),
        metadata={"help": 'unreadable image-folder files: "error" refuses to start, "skip" leaves them out'},
    )
    # 0: torch's own count (OMP_NUM_THREADS in the environment also sets it). Speed only: may change
    # on --resume. Busy machines: gan_core._threads, docs/benchmarks.md
    threads: int = attrs.field(
        default=0, validator=non_negative, metadata={"help": "CPU threads for torch; 0: torch's own count"}
    )
    # follow the load: the cores other processes leave free, re-measured every 2 s (gan_core._threads:
    # beside one busy process on two cores, 0.81 of the alone-speed against 0.31 with torch's count).
    # CPU results then depend on the thread count: false (or threads = N) for bit-reproducible runs
    adaptive_threads: bool = attrs.field(
        default=True,
        metadata={"help": "use the cores other processes leave free, re-measured every 2 s; false: torch's count"},
    )
    # the players' probes on every logged step (gan_core._probes): D's mean output on real and fake,
    # the gradient norms, the diversity ratio; computed from the step's own tensors, no random draws
    probes: bool = attrs.field(
        default=True,
        metadata={"help": "log the players' probes (D's outputs, gradient norms, diversity) on every log step"},
    )
    progress: bool = attrs.field(default=True, metadata={"help": "show training progress (main process only)"})
    # experiment trackers through Accelerate's tracking API: scalars every log step, sample grids as
    # images, the resolved config as hyperparameters; files under RUN_DIR/trackers (TensorBoard)
    log_with: tuple[str, ...] = attrs.field(
        default=(),
        validator=_trackers,
        metadata={"help": 'experiment trackers to log to, e.g. ["tensorboard"] (files in RUN_DIR/trackers)'},
    )
    # evaluation during training: the variant's own measure and the metrics named here, every
    # eval_every steps and at the end (0: never); metric names as `gan plugins` lists them
    eval_every: int = attrs.field(
        default=0,
        validator=non_negative,
        metadata={"help": "steps between evaluations (the variant's measure and eval_metrics); 0: never"},
    )
    eval_metrics: str = attrs.field(  # comma-separated, e.g. "fid,pr"
        default="",
        validator=_metric_names,
        metadata={"help": 'registered metrics computed at each evaluation, e.g. "fid,pr" (`gan plugins` lists them)'},
    )
    eval_samples: int = attrs.field(
        default=2000, validator=positive, metadata={"help": "generated (and real) samples per evaluation"}
    )

    # --- the stabilisation toolkit: for every variant where it applies (docs/toolkit.md) ---------------
    # an exponential moving average of the generator's weights, which sampling, evaluation and grids use
    # (Karras et al. 2018, Yazici et al. 2019): a decay per step in (0, 1), or a half-life in images
    # (>= 1; StyleGAN2 uses 10,000); 0: off
    ema: float = attrs.field(
        default=0.0,
        validator=_finite_non_negative,
        metadata={"help": "moving average of G's weights: a decay per step in (0, 1) or a half-life in images; 0: off"},
    )
    # gamma of the zero-centred gradient penalties on real (r1) and generated (r2) samples, gamma/2 E||grad D||^2
    # (Mescheder et al. 2018; R3GAN, Huang et al. 2024, uses both); 0: off
    r1: float = attrs.field(
        default=0.0,
        validator=_finite_non_negative,
        metadata={"help": "gamma of the zero-centred gradient penalty on real samples (R1); 0: off"},
    )
    r2: float = attrs.field(
        default=0.0,
        validator=_finite_non_negative,
        metadata={"help": "gamma of the zero-centred gradient penalty on generated samples (R2); 0: off"},
    )
    # R3GAN's schedule of gamma (Huang et al. 2024, the presets of its train.py): R1's and R2's weights
    # fall along a cosine from train.r1 and train.r2 at step 0 to this fraction of them at train.steps
    # (R3GAN: a tenth); a function of the step alone, so resume stays exact; 1: constant
    penalty_final: float = attrs.field(
        default=1.0,
        validator=in_range(0.0, 1.0),
        metadata={
            "help": "r1 and r2 at the last step, as a fraction of their values at the first, reached along "
            "a cosine (R3GAN: 0.1); 1: constant"
        },
    )
    # lazy regularisation: r1 and r2 on every k-th discriminator update, times k (Karras et al. 2020)
    reg_every: int = attrs.field(
        default=1,
        validator=positive,
        metadata={"help": "apply r1 and r2 on every k-th discriminator update, multiplied by k"},
    )
    # spectral normalisation of every weight layer of the discriminator (Miyato et al. 2018)
    spectral_norm: bool = attrs.field(
        default=False, metadata={"help": "spectral normalisation of every weight layer of the discriminator"}
    )
    # differentiable augmentation of every discriminator input, real and generated (Zhao et al. 2020):
    # a policy such as "color,translation,cutout"; empty: off; images only
    diffaugment: str = attrs.field(
        default="",
        validator=_augment_policy,
        metadata={"help": "differentiable augmentation of every discriminator input (images only)"},
    )

    def __attrs_post_init__(self) -> None:
        if self.penalty_final != 1.0 and not (self.r1 or self.r2):
            raise ConfigError(
                "penalty_final",
                f"schedules train.r1 and train.r2, which are both 0 (off); set one, or leave penalty_final at 1, "
                f"got {self.penalty_final!r}",
            )

    @property
    def augmentations(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.diffaugment.split(",") if name.strip())

    @property
    def eval_metric_names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.eval_metrics.split(",") if name.strip())


@attrs.frozen
class RunConfig:
    """A fully resolved run: which variant, and both config sections."""

    variant: str
    train: TrainConfig
    model: Any


# --- structuring with strict scalar types -------------------------------------------------------


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _strict_float(value: object, _: type) -> float:
    """An int or a finite float: inf and NaN (TOML writes both) are never a sensible setting, and an
    ``lr = inf`` that passed would only show up as NaN losses steps later."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"must be a finite number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _strict_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def make_converter() -> cattrs.Converter:
    """A converter that refuses silent coercions (``steps = 1.5`` is an error, not 1)."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(str, _strict_str)
    return converter


_CONVERTER = make_converter()


def _first_error(exc: BaseException, path: str) -> str:
    """The first leaf of a cattrs error tree as ``'section.field: message'``."""
    messages = cattrs.transform_error(exc, path=path, format_exception=lambda e, _type: str(e) or type(e).__name__)
    message, _, where = messages[0].rpartition(" @ ")
    where = where.removeprefix("$.")
    return f"{where}: {message}"


def _validator_error(exc: BaseException, path: str) -> ConfigError | None:
    """A validator's :class:`ConfigError` inside a cattrs error tree, with its full dotted field.

    Validators run in the class's ``__init__``, so cattrs files their errors under the class's own
    path rather than the field's; the error's ``field`` completes it (``train`` + ``steps``).
    """
    if isinstance(exc, ConfigError):
        return ConfigError(f"{path}.{exc.field}", exc.message)
    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        candidates = [(sub, f"{path}.{note.name}") for sub, note in with_notes] + [(sub, path) for sub in without]
        for sub, sub_path in candidates:
            found = _validator_error(sub, sub_path)
            if found is not None:
                return found
    return None


def _shown(key: object) -> str:
    """A key as a message shows it: bare when it is a plain name, quoted when it holds spaces, line
    breaks or anything else that would garble the one line of an error."""
    text = str(key)
    plain = isinstance(key, str) and text and text.isprintable() and not any(c.isspace() for c in text)
    return text if plain else repr(key)


def structure_section(section: str, data: Mapping[str, Any], cls: type) -> Any:
    """Build ``cls`` from ``data``; any problem becomes one :class:`ConfigError` naming the field."""
    allowed = [f.name for f in attrs.fields(cls)]
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{section}.{_shown(key)}", f"unknown key; allowed: {', '.join(allowed)}")
    try:
        return _CONVERTER.structure(dict(data), cls)
    except ConfigError as error:
        raise ConfigError(f"{section}.{error.field}", error.message) from None
    except cattrs.BaseValidationError as error:
        validator_error = _validator_error(error, section)
        if validator_error is not None:
            raise validator_error from None
        where, _, message = _first_error(error, section).partition(": ")
        raise ConfigError(where, message) from None


def unstructure(config: Any) -> dict[str, Any]:
    """Plain data for TOML (``None`` values dropped: TOML has no null, and defaults restore them)."""
    data = _CONVERTER.unstructure(config)
    return _drop_none(data)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


# --- building a RunConfig ------------------------------------------------------------------------


class ConfigSource(Protocol):
    """What :func:`resolve_config` reads of a variant: its name, its ``[model]`` class and the
    ``[train]`` defaults of its paper (a :class:`gan_core.Variant` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def config_cls(self) -> type: ...

    @property
    def train_defaults(self) -> Mapping[str, Any]: ...


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key=value``; the value is read as a TOML literal, else taken as a bare string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or _shown(key) != key:
        raise ConfigError("--set", f"expected KEY=VALUE, got {text!r}")
    raw = raw.strip()
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return key, raw
    except RecursionError:  # brackets nested thousands deep: no setting is that
        raise ConfigError(key, f"the value is nested too deeply to read: {raw[:20]!r}...") from None
    # a line break can smuggle in more TOML ("1\nx = 2"): then the whole text is the value, as a string
    return key, parsed["v"] if list(parsed) == ["v"] else raw


def _resolve_key(key: str, fields: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """Map ``train.steps`` or a bare unambiguous ``steps`` to ``(section, field)``."""
    section, dot, name = key.partition(".")
    if dot:
        if section not in fields:
            raise ConfigError(key, f"unknown section {section!r}; allowed: {', '.join(fields)}")
        if name not in fields[section]:
            raise ConfigError(key, f"unknown key; allowed: {', '.join(fields[section])}")
        return section, name
    owners = [s for s, names in fields.items() if key in names]
    if not owners:
        allowed = ", ".join(f"{s}.{n}" for s, names in fields.items() for n in names)
        raise ConfigError(key, f"unknown key; allowed: {allowed}")
    if len(owners) > 1:
        raise ConfigError(key, f"ambiguous key; write one of {', '.join(f'{s}.{key}' for s in owners)}")
    return owners[0], key


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def read_toml(path: Path, field: str = "--config") -> dict[str, Any]:
    """Read a config file; a missing, unreadable or malformed one is a one-line user error.

    ``field`` is what the user gave: a flag that names the file itself (``--config``), or a directory
    argument (``RUN_DIR``), in which case the error names the file inside it (``RUN_DIR/config.toml``),
    so that a damaged run is never blamed on a ``--config`` the user did not pass.
    """
    where = field if field.startswith("-") else f"{field}/{path.name}"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(where, f"no such file: {path}") from None
    except IsADirectoryError:
        raise ConfigError(where, f"{path} is a folder, not a TOML file") from None
    except PermissionError:
        raise ConfigError(where, f"cannot read {path}: permission denied") from None
    except OSError as error:
        raise ConfigError(where, f"cannot read {path}: {error.strerror or _first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            where, f"{path} is not UTF-8 text (byte {error.object[error.start]:#04x} at offset {error.start})"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(where, f"{path} is not valid TOML ({_first_line(error)})") from None
    except RecursionError:
        raise ConfigError(where, f"{path} is not a config file (its brackets are nested thousands deep)") from None


def _same_variant(named: object, name: str, qualified: str) -> bool:
    """Whether a config file's ``variant`` (bare or ``PLUGIN:NAME``) names the variant being run."""
    if not isinstance(named, str):
        return False
    return named == qualified if ":" in named and ":" in qualified else named.rpartition(":")[2] == name


def resolve_config(
    variant: ConfigSource,
    *,
    file_data: Mapping[str, Any] | None = None,
    flags: Mapping[str, Any] | None = None,
    overrides: Iterable[str] = (),
    qualified_name: str | None = None,
) -> RunConfig:
    """Merge every source of settings, in precedence order, into a validated :class:`RunConfig`.

    ``qualified_name`` (``PLUGIN:NAME``, as the registry knows the variant) is what the configuration
    records, so that a run directory names its variant unambiguously whatever is installed later;
    without it, the variant's bare name.
    """
    recorded = qualified_name or variant.name
    sections: dict[str, dict[str, Any]] = {"train": dict(variant.train_defaults), "model": {}}
    if file_data:
        named = file_data.get("variant", recorded)
        if not _same_variant(named, variant.name, recorded):
            raise ConfigError("variant", f"the config file is for {named!r}, not {recorded!r}")
        for key, value in file_data.items():
            if key == "variant":
                continue
            if key not in sections:
                raise ConfigError(_shown(key), f"unknown top-level key; allowed: variant, {', '.join(SECTIONS)}")
            if not isinstance(value, dict):
                raise ConfigError(key, f"must be a table ([{key}] in TOML), got {value!r}")
            sections[key].update(value)
    for key, value in (flags or {}).items():
        if value is not None:
            sections["train"][key] = value
    fields = {
        "train": [f.name for f in attrs.fields(TrainConfig)],
        "model": [f.name for f in attrs.fields(variant.config_cls)],
    }
    for text in overrides:
        key, value = parse_override(text)
        section, name = _resolve_key(key, fields)
        sections[section][name] = value
    train = structure_section("train", sections["train"], TrainConfig)
    model = structure_section("model", sections["model"], variant.config_cls)
    return RunConfig(variant=recorded, train=train, model=model)


def config_to_toml(config: RunConfig) -> str:
    """The resolved config as the TOML text that ``--config`` and ``--resume`` read back."""
    data = {"variant": config.variant, "train": unstructure(config.train), "model": unstructure(config.model)}
    return tomli_w.dumps(data)


def dump_config(config: RunConfig, path: Path) -> None:
    """Save the resolved config (atomically) so that ``--config`` or ``--resume`` rebuild the same run."""
    atomic_write_text(path, config_to_toml(config))


#: the ``attrs.field(metadata=...)`` key naming the value of a setting in a run that does not record it
UNRECORDED_KEY = "unrecorded"


def fill_unrecorded(variant: ConfigSource, data: Mapping[str, Any]) -> dict[str, Any]:
    """A run's saved ``config.toml`` data with the settings it predates filled in, for reading the run back.

    A run records every setting it had, so a setting missing from its file is newer than the run,
    which was trained with what the code did before the setting existed, not with today's default.
    Where the two differ (a variant changed the default of a setting it added), the field says what
    older runs did with ``metadata={"unrecorded": value}``, and this puts that value in; without it,
    a missing setting takes its default as before. Only a run's own file is read this way: in a
    ``--config`` file the user writes, a missing setting means "the default".
    """
    filled = dict(data)
    for section, cls in (("train", TrainConfig), ("model", variant.config_cls)):
        given = filled.get(section, {})
        if not isinstance(given, Mapping):
            continue  # resolve_config names the malformed section
        missing = {
            field.name: field.metadata[UNRECORDED_KEY]
            for field in attrs.fields(cls)
            if UNRECORDED_KEY in field.metadata and field.name not in given
        }
        if missing:
            filled[section] = {**missing, **given}
    return filled


def load_run_config(variant: ConfigSource, path: Path) -> RunConfig:
    """Read back a ``config.toml`` written by :func:`dump_config` (a run's own: errors name
    ``RUN_DIR/config.toml``, not ``--config``; settings newer than the run take their
    :func:`fill_unrecorded` values)."""
    return resolve_config(variant, file_data=fill_unrecorded(variant, read_toml(path, field="RUN_DIR")))
