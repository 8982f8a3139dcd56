"""gan-core 0.1's module paths and helpers, kept working through 0.2 with a warning that says what to use.

In 0.1 plugins imported from eighteen core modules; in 0.2 the plugin API is what :mod:`gan_core`
exports (and a few documented submodules), and the rest is private. Each old module is now a shim
whose ``__getattr__`` (:func:`forward`) finds the name in its new home and warns once per place.
They go in gan-core 0.3.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from gan_core._compat import deprecated
from gan_core._rundir import RunDir, read_jsonl

#: where a name is public in 0.2, searched in this order
_PUBLIC_HOMES = ("gan_core", "gan_core.data", "gan_core.losses", "gan_core.regularizers", "gan_core.testing")
#: what replaces the 0.1 helpers that took a run directory's path
_INSTEAD = {
    "latest_checkpoint": "RunDir(run_dir).latest_checkpoint()",
    "list_checkpoints": "RunDir(run_dir).checkpoints()",
    "checkpoint_name": "RunDir(run_dir).checkpoint_path(step)",
    "read_data_info": "RunDir(run_dir).read_data_info()",
    "write_data_info": "RunDir(run_dir).write_data_info(info)",
    "read_log": "RunDir(run_dir).read_log()",
    "truncate_log": "RunDir(run_dir).truncate_log(step)",
    "GENERATOR_FILE": "RunDir.weights_file(checkpoint, 'generator')",
    "get_registry": "the registry you are given (args.registry, ctx.registry) or gan_core.create_registry()",
    "save_translation_grid": "gan_core.save_samples(samples, info, path, inputs=..., input_info=...)",
    "GanModels": "gan_core.Game: a builder returns a Game",
    "Trainer": "gan_core.GanTrainer",
}


def _advice(name: str) -> str:
    if name in _INSTEAD:
        return f"use {_INSTEAD[name]}"
    for home in _PUBLIC_HOMES:
        if name in getattr(importlib.import_module(home), "__all__", ()):
            return f"import {name} from {home}"
    return f"{name} is internal since 0.2 and may change without notice; use the plugin API"


def forward(old: str, *homes: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the 0.1 module ``old``: look ``name`` up in ``homes`` (and among the
    0.1 helpers below), warn that ``old`` is deprecated and say what replaces the name."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for home in (*homes, __name__):
            module = importlib.import_module(home)
            if hasattr(module, name):
                deprecated(f"{old}.{name}: {_advice(name)}")
                return getattr(module, name)
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    return __getattr__


# --- 0.1 helpers that the run directory's owner now provides ------------------------------------

GENERATOR_FILE = "generator.safetensors"
CHECKPOINT_DIR = RunDir.CHECKPOINTS
LOG_FILE = RunDir.LOG
PLOT_FILE = RunDir.PLOT
DATA_INFO_FILE = RunDir.DATA_INFO
SAMPLES_DIR = RunDir.SAMPLES
read_log = read_jsonl


def list_checkpoints(run_dir: Path) -> list[Path]:
    return RunDir(run_dir).checkpoints()


def latest_checkpoint(run_dir: Path) -> Path | None:
    return RunDir(run_dir).latest_checkpoint()


def checkpoint_name(step: int) -> str:
    return RunDir(Path()).checkpoint_path(step).name


def read_data_info(run_dir: Path) -> Any:
    return RunDir(run_dir).read_data_info()


def write_data_info(info: Any, run_dir: Path) -> None:
    RunDir(run_dir).write_data_info(info)


def truncate_log(path: Path, after_step: int) -> None:
    RunDir(path.parent).truncate_log(after_step) if path.name == RunDir.LOG else None


class Trainer(Protocol):
    """0.1's unused trainer protocol; :class:`gan_core.GanTrainer` is the trainer."""

    out_dir: Path

    def fit(self, resume: bool = False) -> Any: ...


_DEFAULT: Any = None


def get_registry() -> Any:
    """0.1's process-wide registry. In 0.2 the command line builds one registry and passes it down:
    commands read ``args.registry``, evaluators ``ctx.registry``, data loaders get it as an argument."""
    global _DEFAULT
    deprecated(
        "gan_core.get_registry(): use the registry you are given (args.registry, ctx.registry) or create_registry()"
    )
    if _DEFAULT is None:
        from gan_core._plugins import create_registry

        _DEFAULT = create_registry()
    return _DEFAULT


def reset_registry() -> None:
    global _DEFAULT
    _DEFAULT = None
