"""The installed gan-core's version, in a module of its own so that any layer may read it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
