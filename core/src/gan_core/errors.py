"""User-facing errors.

Every error a user can cause by what they type or write in a config file derives from
:class:`GanError`. The CLI prints ``str(error)`` on one line and exits with code 2, so each message
must name the offending field and, where there is a finite set, the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable


class GanError(Exception):
    """Base class of errors caused by user input (exit code 2 from the CLI)."""


class ConfigError(GanError, ValueError):
    """A configuration value is unknown, of the wrong type or out of range."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class UnknownNameError(GanError, KeyError):
    """A variant, data set, loss, metric or command name that nobody registered."""

    def __init__(self, kind: str, name: str, available: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.available = sorted(available)
        shown = ", ".join(self.available) if self.available else "none installed"
        super().__init__(f"unknown {kind} {name!r}; available: {shown}")

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

    def __str__(self) -> str:
        return str(self.args[0])


class PluginError(GanError):
    """A plugin failed to load or register; raised only under ``GAN_STRICT_PLUGINS=1``."""


class DataUnavailableError(GanError):
    """A data set cannot be read here (typically: it must be downloaded and the machine is offline)."""


class RunDirectoryError(GanError):
    """A run directory is missing, incomplete, or would be overwritten."""


def describe_choices(values: Iterable[object]) -> str:
    """Render allowed values the same way in every message: ``'a', 'b' or 'c'``."""
    shown = [repr(v) for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


class GanDeprecationWarning(DeprecationWarning):
    """A gan-core 0.1 interface that still works in 0.2 and goes in 0.3; the message says what to use.

    gan-core shows these by default (plain ``DeprecationWarning`` is hidden outside ``__main__``), so
    that a plugin's author sees them in any run or test.
    """


__all__ = [
    "AmbiguousNameError",
    "ConfigError",
    "DataUnavailableError",
    "GanDeprecationWarning",
    "GanError",
    "PluginError",
    "RunDirectoryError",
    "UnknownNameError",
    "describe_choices",
]
