"""The ``gan`` command line. Subcommands come from the registry, the core's own included."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

from gan_core._plugins import STRICT_ENV, create_registry
from gan_core._records import CommandSpec
from gan_core._registry import Registry
from gan_core.cli.parser import OneLineErrorParser
from gan_core.errors import GanError, GanWarning

__all__ = ["main"]


def _error(prog: str, message: str) -> int:
    sys.stderr.write(f"{prog}: error: {message}\n")
    return 2


_OUT_OF_MEMORY = (
    "out of memory: a setting asks for more than this machine holds "
    "(lower train.batch_size, model sizes, grid_size or --n)"
)


_ALLOCATION_MESSAGES = (
    "DefaultCPUAllocator: can't allocate memory",
    "Trying to create tensor with negative dimension",
    "Storage size calculation overflowed",
    "Overflow when unpacking long",
)


def _allocation_failed(error: Exception) -> bool:
    """torch reports an allocation that cannot be made (too large, or a size past 2**63) as a
    RuntimeError (or its OutOfMemoryError subclass), or as a ValueError from its argument parsing."""
    text = str(error)
    return type(error).__name__ == "OutOfMemoryError" or any(message in text for message in _ALLOCATION_MESSAGES)


def _one_line_warnings() -> None:
    """Show the library's own warnings as ``gan: warning: ...`` (no file, line or source echo)."""
    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
        if issubclass(category, GanWarning):
            sys.stderr.write(f"gan: warning: {message}\n")
        else:
            shown(message, category, *args, **kwargs)  # type: ignore[arg-type]

    if getattr(warnings.showwarning, "_gan", False):
        return
    show._gan = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def main(argv: Sequence[str] | None = None, registry: Registry | None = None) -> int:
    """Entry point of ``gan``; returns the exit code (2 for any user error, printed on one line).

    The registry is built here, once (or given, by an application or a test), and handed to the
    command in ``args.registry``.
    """
    _one_line_warnings()
    if registry is None:
        try:
            registry = create_registry()
        except GanError as error:
            return _error("gan", str(error))
    parser = OneLineErrorParser(prog="gan", description="Train, sample and evaluate GANs; variants come from plugins.")
    subcommands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=OneLineErrorParser
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in arguments if not a.startswith("-")), None)
    for name in registry.commands.names():
        entry = registry.commands.entry(name)
        short = entry.help if isinstance(entry, CommandSpec) else entry.description
        if name != chosen:  # listed by `gan --help` only: its arguments (and modules) are not needed
            subcommands.add_parser(name, help=short, description=short)
            continue
        try:
            spec = registry.commands[name]
        except GanError as error:
            return _error(f"gan {name}", str(error))
        sub = subcommands.add_parser(name, help=spec.help, description=spec.description or spec.help)
        spec.add_arguments(sub)
        sub.set_defaults(_run=spec.run, registry=registry)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:  # --help (0) and argparse's one-line errors (2): return, don't raise
        return int(exit_.code or 0)
    if args.command != "plugins":
        for report in registry.broken:
            sys.stderr.write(
                f"gan: warning: plugin {report.name!r} ({report.version or 'unknown version'}) was skipped: "
                f"{report.error} (set {STRICT_ENV}=1 to make this an error)\n"
            )
    try:
        return int(args._run(args) or 0)
    except GanError as error:
        _error(f"gan {args.command}", str(error))
        return error.exit_code
    except MemoryError:
        return _error(f"gan {args.command}", _OUT_OF_MEMORY)
    except (RuntimeError, ValueError) as error:
        if not _allocation_failed(error):
            raise
        return _error(f"gan {args.command}", _OUT_OF_MEMORY)
    except BrokenPipeError:  # `gan plugins | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        _error(f"gan {args.command}", "interrupted; the last complete checkpoint is intact")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
