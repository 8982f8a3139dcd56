"""The run directory: one class owns its layout, and everything is read and written through it.

::

    RUN_DIR/
    ├── config.toml                  the resolved configuration (variant, [train], [model])
    ├── data.json                    the data's shape and kind, so loading a run never loads its data
    ├── log.jsonl                    one JSON object per log step (and per evaluation)
    ├── loss_curves.png              every logged scalar against the step
    ├── metrics.json                 what `gan eval` measured last
    ├── samples/step_00000500.png    fixed-input sample grids
    ├── .lock                        held by the one `gan train` writing here (its pid inside)
    └── checkpoints/step_00001000/   the full training state, nothing pickled:
        ├── generator.safetensors        each network by its role (generator_ema too with train.ema)
        ├── discriminator.safetensors
        ├── optimizer-generator.safetensors, optimizer-discriminator.safetensors
        ├── progress.json                the loop's position (step, batches drawn, running averages)
        ├── data.json                    the data description the run trained on
        ├── rng-0.safetensors            each process's random-number states
        └── MANIFEST.json                every file's size and SHA-256, written last

The files a run is resumed and read from (``config.toml``, ``data.json``, ``log.jsonl`` when it is
cut back, ``metrics.json``, checkpoints) are replaced atomically, so a kill at any moment leaves the
old version or the new one; pictures (sample grids, the loss plot) are simply written again. A
checkpoint that does not match its manifest is never loaded: the newest intact one is used instead,
and the user is told which (see :meth:`RunDir.intact_checkpoint`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs
from safetensors.torch import load_model
from torch import nn

from gan_core._config import (
    CONFIG_FILE_NAME,
    ConfigSource,
    RunConfig,
    config_to_toml,
    fill_unrecorded,
    read_toml,
    resolve_config,
)
from gan_core._files import atomic_write_text
from gan_core._inputs import InputSampler, Noise
from gan_core._records import DataInfo
from gan_core._registry import Registry
from gan_core._state_files import checkpoint_problem
from gan_core._toolkit import make_game
from gan_core._variant import Variant
from gan_core.errors import (
    CheckpointError,
    ConfigError,
    GanWarning,
    RunDirectoryError,
    RunDirectoryLockedError,
)

#: the networks a checkpoint holds by name: the generator, the discriminator, and the generator's moving
#: average when ``train.ema`` keeps one
Role = Literal["generator", "discriminator", "generator_ema"]
ROLES: tuple[Role, ...] = ("generator", "discriminator", "generator_ema")
_CHECKPOINT_PREFIX = "step_"
#: Accelerate's file for the i-th prepared model; gan-core 0.1 checkpoints name the networks only so
_ACCELERATE_MODEL_FILES: Mapping[str, str] = {"generator": "model.safetensors", "discriminator": "model_1.safetensors"}


class JsonlLog:
    """Appends one JSON object per record; line-buffered so a killed run keeps what it logged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("a", buffering=1)

    def write(self, record: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(record) + "\n")

    def close(self) -> None:
        self._handle.close()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file; a line cut short by a kill mid-write, or garbled, is dropped."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def checkpoint_step(path: Path) -> int:
    """The step a checkpoint folder holds (``step_00001000`` -> 1000)."""
    return int(path.name[len(_CHECKPOINT_PREFIX) :])


@attrs.frozen
class RunDir:
    """A run directory, as ``gan train`` writes it and every other command reads it."""

    path: Path = attrs.field(converter=Path)

    CONFIG = CONFIG_FILE_NAME
    DATA_INFO = "data.json"
    LOG = "log.jsonl"
    PLOT = "loss_curves.png"
    METRICS = "metrics.json"
    SAMPLES = "samples"
    CHECKPOINTS = "checkpoints"

    # --- what it holds ---------------------------------------------------------------------------

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def config_file(self) -> Path:
        return self.path / self.CONFIG

    @property
    def log_file(self) -> Path:
        return self.path / self.LOG

    @property
    def plot_file(self) -> Path:
        return self.path / self.PLOT

    @property
    def metrics_file(self) -> Path:
        return self.path / self.METRICS

    @property
    def samples_dir(self) -> Path:
        return self.path / self.SAMPLES

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / self.CHECKPOINTS

    def holds_results(self) -> bool:
        """Whether a run has produced anything here (``config.toml`` alone is written before the data
        loads and the models build; if either fails, the directory can be reused)."""
        return self.log_file.exists() or self.checkpoints_dir.exists()

    # --- configuration and data description ------------------------------------------------------

    def write_config(self, config: RunConfig) -> None:
        atomic_write_text(self.config_file, config_to_toml(config))

    def read_config_data(self) -> dict[str, Any]:
        if not self.config_file.exists():
            raise RunDirectoryError(f"{self.path} holds no run ({self.CONFIG} is missing)")
        return read_toml(self.config_file, field="RUN_DIR")

    def read_run_config_data(self, variant: ConfigSource) -> dict[str, Any]:
        """``config.toml``'s data as the run was made: the settings it predates take the values the
        variant names for them (``fill_unrecorded``); what rebuilds or resumes a run reads this."""
        return fill_unrecorded(variant, self.read_config_data())

    def variant_name(self) -> str:
        name = self.read_config_data().get("variant")
        if not isinstance(name, str):
            raise ConfigError("variant", f"missing from {self.config_file}")
        return name

    def load_config(self, registry: Registry) -> tuple[Variant, RunConfig]:
        """The run's variant (from the registry, by the name ``config.toml`` records) and its configuration."""
        qualified = registry.variants.qualify(self.variant_name())
        variant = registry.variants[qualified]
        data = self.read_run_config_data(variant)
        try:
            return variant, resolve_config(variant, file_data=data, qualified_name=qualified)
        except ConfigError as error:  # the run's own file, not something typed: say which file
            raise ConfigError(f"{self.config_file}: {error.field}", error.message) from None

    def write_data_info(self, info: DataInfo) -> None:
        atomic_write_text(self.path / self.DATA_INFO, json.dumps(attrs.asdict(info)))

    def read_data_info(self, checkpoint: Path | None = None) -> DataInfo:
        """The data description: the copy a checkpoint holds (checked by its manifest) when there is one,
        the run's ``data.json`` otherwise."""
        path = self.path / self.DATA_INFO
        if checkpoint is not None and (checkpoint / self.DATA_INFO).is_file():
            path = checkpoint / self.DATA_INFO
        if not path.exists():
            raise RunDirectoryError(
                f"{self.path} is not a run directory written by 'gan train' ({self.DATA_INFO} is missing)"
            )
        try:
            return _data_info(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise RunDirectoryError(f"{path}: damaged ({_first_line(error)})") from None

    # --- the log ---------------------------------------------------------------------------------

    def open_log(self) -> JsonlLog:
        return JsonlLog(self.log_file)

    def read_log(self) -> list[dict[str, Any]]:
        return read_jsonl(self.log_file)

    def truncate_log(self, after_step: int) -> None:
        """Drop records past a checkpoint before resuming from it, so no step is logged twice."""
        if not self.log_file.exists():
            return
        kept = [r for r in self.read_log() if r.get("step", 0) <= after_step]
        atomic_write_text(self.log_file, "".join(json.dumps(r) + "\n" for r in kept))

    # --- samples and metrics ---------------------------------------------------------------------

    def sample_path(self, step: int) -> Path:
        return self.samples_dir / f"step_{step:08d}.png"

    def sample_grids(self) -> list[Path]:
        return sorted(self.samples_dir.glob("step_*.png")) if self.samples_dir.is_dir() else []

    def write_metrics(self, record: Mapping[str, Any]) -> Path:
        return atomic_write_text(self.metrics_file, json.dumps(record, indent=2, allow_nan=True) + "\n")

    def read_metrics(self) -> dict[str, Any] | None:
        if not self.metrics_file.exists():
            return None
        return json.loads(self.metrics_file.read_text())  # type: ignore[no-any-return]

    # --- checkpoints -----------------------------------------------------------------------------

    def checkpoint_path(self, step: int) -> Path:
        return self.checkpoints_dir / f"{_CHECKPOINT_PREFIX}{step:08d}"

    def checkpoints(self) -> list[Path]:
        """Complete checkpoints, oldest first (temporary folders of an interrupted save are not)."""
        root = self.checkpoints_dir
        if not root.is_dir():
            return []
        found = [
            p
            for p in root.iterdir()
            if p.is_dir() and p.name.startswith(_CHECKPOINT_PREFIX) and p.name[len(_CHECKPOINT_PREFIX) :].isdigit()
        ]
        return sorted(found, key=checkpoint_step)

    def latest_checkpoint(self) -> Path | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def intact_checkpoint(self) -> tuple[Path | None, list[tuple[Path, str]]]:
        """The newest checkpoint that matches its manifest, and each newer one that does not, with why.

        Only complete checkpoints are candidates; a damaged one is passed over, never loaded.
        """
        damaged: list[tuple[Path, str]] = []
        for checkpoint in reversed(self.checkpoints()):
            problem = checkpoint_problem(checkpoint)
            if problem is None:
                return checkpoint, damaged
            damaged.append((checkpoint, problem))
        return None, damaged

    def checkpoint_to_read(self) -> Path:
        """The checkpoint ``gan sample`` and ``gan eval`` read: the newest intact one, naming any newer
        damaged one in a warning; a one-line error when none is intact."""
        checkpoint, damaged = self.intact_checkpoint()
        if checkpoint is None:
            if not damaged:
                raise RunDirectoryError(f"RUN_DIR: {self.path} has no checkpoint yet")
            newest, problem = damaged[0]
            raise CheckpointError(f"RUN_DIR: {self.path} has no intact checkpoint ({newest.name}: {problem})")
        for bad, problem in damaged:
            warnings.warn(f"checkpoint {bad.name} is damaged ({problem}); using {checkpoint.name}", GanWarning, 2)
        return checkpoint

    def set_aside(self, checkpoint: Path) -> Path:
        """Rename a damaged checkpoint out of the way (``damaged-step_...``), keeping it for inspection."""
        target = checkpoint.with_name(f"damaged-{checkpoint.name}")
        suffix = 1
        while target.exists():
            suffix += 1
            target = checkpoint.with_name(f"damaged-{checkpoint.name}.{suffix}")
        os.replace(checkpoint, target)
        return target

    # --- the writer's lock -----------------------------------------------------------------------

    LOCK = ".lock"

    @contextlib.contextmanager
    def lock(self, field: str = "--out") -> Iterator[None]:
        """Hold the directory's exclusive lock while a run writes into it; a second writer gets a
        one-line :class:`RunDirectoryLockedError` naming the holder's pid.

        The lock is ``flock`` on ``.lock`` (released by the kernel if the holder dies, even by kill -9);
        a directory this call made is removed again if nothing but the lock was put in it.
        """
        created = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise RunDirectoryError(f"{field}: {self.path} is a file, not a directory") from None
        except OSError as error:
            raise RunDirectoryError(f"{field}: cannot create {self.path} ({_first_line(error)})") from None
        handle = _acquire(self.path / self.LOCK, field)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                (self.path / self.LOCK).unlink()
            os.close(handle)
            if created:
                with contextlib.suppress(OSError):
                    self.path.rmdir()  # only if empty: the run wrote nothing

    @staticmethod
    def weights_name(role: Role) -> str:
        """The file each checkpoint holds one network's weights in, by the network's role."""
        return f"{role}.safetensors"

    @staticmethod
    def generator_file(checkpoint: Path, average: bool = True) -> Path:
        """The generator weights a checkpoint answers with: the moving average of the generator
        (``train.ema``) when the checkpoint kept one and ``average`` is true, the live generator's
        otherwise."""
        averaged = RunDir.weights_file(checkpoint, "generator_ema")
        return averaged if average and averaged.exists() else RunDir.weights_file(checkpoint, "generator")

    @staticmethod
    def weights_file(checkpoint: Path, role: Role) -> Path:
        """One network's weights in a checkpoint, to read (a gan-core 0.1 checkpoint has no discriminator
        file of its own: Accelerate's file for it then)."""
        named = checkpoint / RunDir.weights_name(role)
        fallback = _ACCELERATE_MODEL_FILES.get(role)
        if named.exists() or fallback is None or not (checkpoint / fallback).exists():
            return named
        return checkpoint / fallback


def _acquire(path: Path, field: str) -> int:
    """Open and ``flock`` the lock file; retry if its holder unlinked it between our open and lock."""
    import fcntl  # POSIX only; imported here so that reading runs still works elsewhere

    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise RunDirectoryError(f"{field}: cannot write into {path.parent} ({_first_line(error)})") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(handle)
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise RunDirectoryError(f"{field}: cannot lock {path} ({_first_line(error)})") from None
            raise RunDirectoryLockedError(
                f"{field}: {path.parent} is in use by another gan train (pid {holder}); "
                "wait for it to finish or choose another directory"
            ) from None
        try:
            same = os.fstat(handle).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(handle, 0)
            os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
            return handle
        os.close(handle)  # the previous holder removed the file while we opened it: take the new one


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _data_info(data: dict[str, Any]) -> DataInfo:
    return DataInfo(
        shape=tuple(data["shape"]),
        kind=data["kind"],
        num_classes=data["num_classes"],
        value_range=tuple(data["value_range"]),
        extra={name: _data_info(value) for name, value in data.get("extra", {}).items()},
    )


@attrs.frozen
class TrainedRun:
    """A run directory's networks, loaded from one checkpoint and set to eval mode.

    ``discriminator`` is ``None`` unless it was asked for (:func:`load_discriminator`);
    ``inputs`` is what the generator reads (:meth:`InputSampler.fixed` draws from it). ``averaged``
    says whether ``generator`` holds the moving average of the weights (``train.ema``) rather than the
    live generator's.
    """

    variant: Variant
    config: RunConfig
    data_info: DataInfo
    generator: nn.Module
    checkpoint: Path
    inputs: InputSampler
    discriminator: nn.Module | None = None
    run_dir: RunDir | None = None
    averaged: bool = False

    @property
    def latent_dim(self) -> int:
        """The noise dimension, for generators that read noise (0 for a translation)."""
        return self.inputs.latent_dim if isinstance(self.inputs, Noise) else 0


def load_run(
    run_dir: Path | str | RunDir,
    registry: Registry,
    *,
    discriminator: bool = False,
    checkpoint: Path | None = None,
    average: bool = True,
) -> TrainedRun:
    """Rebuild the run's game from its saved config and load a checkpoint's weights (default: the latest).

    The generator is the moving average of its weights when the run kept one (``train.ema``) and
    ``average`` is true; the live generator otherwise.
    """
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(Path(run_dir))
    if not run.config_file.exists():
        raise RunDirectoryError(f"RUN_DIR: {run.path} is not a run directory written by 'gan train'")
    variant, config = run.load_config(registry)
    checkpoint = checkpoint or run.checkpoint_to_read()
    info = run.read_data_info(checkpoint)
    game = make_game(variant, config, info, registry, resolve_loss=False)
    weights = RunDir.generator_file(checkpoint, average)
    averaged = weights.name == RunDir.weights_name("generator_ema")
    _load_weights(game.generator, weights)
    game.generator.eval()
    loaded_discriminator = None
    if discriminator:
        _load_weights(game.discriminator, RunDir.weights_file(checkpoint, "discriminator"))
        loaded_discriminator = game.discriminator.eval()
    return TrainedRun(
        variant, config, info, game.generator, checkpoint, game.inputs, loaded_discriminator, run, averaged
    )


def _load_weights(network: nn.Module, path: Path) -> None:
    """Weights into a network rebuilt from ``config.toml``; a mismatch (an edited config) is one line."""
    try:
        load_model(network, str(path))
    except Exception as error:  # safetensors and torch raise several types
        raise CheckpointError(f"{path}: cannot be loaded into the configured network ({_first_line(error)})") from None


def load_generator(run_dir: Path | str | RunDir, registry: Registry) -> TrainedRun:
    """The run's generator from its latest checkpoint, in eval mode (``gan sample`` uses it)."""
    return load_run(run_dir, registry)


def load_discriminator(run_dir: Path | str | RunDir, registry: Registry) -> TrainedRun:
    """The run's generator and discriminator from its latest checkpoint, both in eval mode."""
    return load_run(run_dir, registry, discriminator=True)
