"""How a plugin adds a ``gan`` subcommand."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from collections.abc import Callable

import attrs


@attrs.frozen
class CommandSpec:
    """A subcommand: ``add_arguments`` configures its argparse parser, ``run`` returns an exit code.

    ``run`` may raise :class:`~gan_core.errors.GanError` for bad input: the CLI prints it on one
    line and exits with code 2.
    """

    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[Namespace], int]
    description: str = ""
