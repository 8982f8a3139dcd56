"""Registration with gan-core (entry point ``gan: serve``): the ``gan serve`` command, by name only,
so that ``gan --help`` imports neither torch nor the web stack."""

from __future__ import annotations

from collections.abc import Callable

from gan_core import Deferred, hookimpl

SERVE_HELP = "serve trained runs as a web demo and an HTTP API (sample grids, classes, interpolation, transfer)"


@hookimpl
def gan_register_commands(register: Callable[[Deferred], None]) -> None:
    register(Deferred("serve", "gan_plugin_serve.cli:SERVE_COMMAND", SERVE_HELP))
