"""User-facing errors.

Every error a user can cause by what they type or write in a config file derives from
:class:`GanError`. The CLI prints ``str(error)`` on one line and exits with code 2, so each message
must name the offending field and, where there is a finite set, the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable


class GanError(Exception):
    """Base class of errors caused by user input (exit code 2 from the CLI)."""

    #: what ``gan`` exits with after printing the message
    exit_code: int = 2


class ConfigError(GanError, ValueError):
    """A configuration value is unknown, of the wrong type or out of range."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, str]]:
        # pickling (a process pool's worker handing the error back) rebuilds from __init__'s arguments,
        # not from args, which hold the formatted message
        return type(self), (self.field, self.message)


class UnknownNameError(GanError, KeyError):
    """A variant, data set, loss, metric or command name that nobody registered."""

    def __init__(self, kind: str, name: str, available: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.available = sorted(available)
        shown = ", ".join(self.available) if self.available else "none installed"
        super().__init__(f"unknown {kind} {name!r}; available: {shown}")

    def __reduce__(self) -> tuple[type[UnknownNameError], tuple[str, str, list[str]]]:
        return type(self), (self.kind, self.name, self.available)

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0])


class AmbiguousNameError(GanError, KeyError):
    """A bare name that several plugins registered; the qualified form ``PLUGIN:NAME`` picks one."""

    def __init__(self, kind: str, name: str, candidates: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.candidates = sorted(candidates)
        super().__init__(
            f"ambiguous {kind} {name!r}: registered by several plugins; write one of {', '.join(self.candidates)}"
        )

    def __reduce__(self) -> tuple[type[AmbiguousNameError], tuple[str, str, list[str]]]:
        return type(self), (self.kind, self.name, self.candidates)

    def __str__(self) -> str:
        return str(self.args[0])


class PluginError(GanError):
    """A plugin failed to load or register (raised under ``GAN_STRICT_PLUGINS=1``; otherwise the plugin
    is reported and skipped), or an item it registered as :class:`~gan_core.Deferred` failed to import
    when it was first used."""


class DataUnavailableError(GanError):
    """A data set cannot be read here (typically: it must be downloaded and the machine is offline)."""


class RunDirectoryError(GanError):
    """A run directory is missing, incomplete, or would be overwritten."""


class RunDirectoryLockedError(RunDirectoryError):
    """Another process is writing into the run directory (``gan train`` holds its lock)."""


class CheckpointError(RunDirectoryError):
    """A checkpoint's files are missing, damaged or of another format than this gan-core reads."""


class DivergenceError(GanError):
    """Training produced a non-finite loss, gradient or weight and was stopped.

    Exit code 3: nothing the user typed was wrong, the run itself failed; the last finite
    checkpoint is kept.
    """

    exit_code = 3

    def __init__(self, step: int, what: str, checkpoint: str | None) -> None:
        self.step = step
        self.what = what
        self.checkpoint = checkpoint
        kept = f"; the last finite checkpoint is {checkpoint}" if checkpoint else "; no checkpoint was saved before it"
        super().__init__(
            f"training diverged at step {step}: {what} is not finite{kept}. "
            "Try a lower learning rate, a gradient penalty (train.r1) or another loss"
        )

    def __reduce__(self) -> tuple[type[DivergenceError], tuple[int, str, str | None]]:
        return type(self), (self.step, self.what, self.checkpoint)


def describe_choices(values: Iterable[object]) -> str:
    """Render allowed values the same way in every message: ``'a', 'b' or 'c'``."""
    shown = [repr(v) for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


class GanWarning(UserWarning):
    """Something the user must know that does not stop the command: a damaged checkpoint passed over,
    a resume that will not reproduce bit for bit. ``gan`` prints each on one line."""


class GanDeprecationWarning(DeprecationWarning):
    """A gan-core 0.1 interface that still works in 0.2 and goes in 0.3; the message says what to use.

    gan-core shows these by default (plain ``DeprecationWarning`` is hidden outside ``__main__``), so
    that a plugin's author sees them in any run or test.
    """


__all__ = [
    "AmbiguousNameError",
    "CheckpointError",
    "ConfigError",
    "DataUnavailableError",
    "DivergenceError",
    "GanDeprecationWarning",
    "GanError",
    "GanWarning",
    "PluginError",
    "RunDirectoryError",
    "RunDirectoryLockedError",
    "UnknownNameError",
    "describe_choices",
]
