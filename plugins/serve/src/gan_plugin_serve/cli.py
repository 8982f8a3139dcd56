"""``gan serve RUN_DIR [RUN_DIR ...]``: the runs as a web demo on this machine (127.0.0.1 by default).

Every run is loaded before the server starts, so a bad RUN_DIR is one line and exit code 2, not a
page that fails later. The server is uvicorn (the standard ASGI server); Ctrl-C stops it.
"""

from __future__ import annotations

import socket
import sys
from argparse import ArgumentParser, ArgumentTypeError, Namespace
from collections.abc import Callable
from pathlib import Path

from gan_core import CommandSpec, ConfigError
from gan_plugin_serve.plugin import SERVE_HELP


def _integer_in(low: int, high: int | None, allowed: str) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in ``[low, high]`` (``high`` None: no upper bound),
    whose error says what is ``allowed``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise ArgumentTypeError(f"must be {allowed}, got {value}")
        return value

    return parse


_port = _integer_in(1, 65535, "an integer in [1, 65535]")
_positive = _integer_in(1, None, "a positive integer")


def _check_free(host: str, port: int) -> None:
    """One line now, rather than uvicorn's traceback after every run has loaded."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise ConfigError("--host", f"cannot resolve {host!r} ({error.strerror or error})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError("--port", f"cannot listen on {host}:{port} ({error.strerror or error})") from None


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dirs", metavar="RUN_DIR", type=Path, nargs="+", help="directories written by 'gan train'")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=_port, default=7860, help="port (default 7860)")
    parser.add_argument("--max-n", type=_positive, default=256, help="most samples per request (default 256)")
    parser.add_argument(
        "--max-upload-mb", type=_positive, default=4, help="largest upload to /api/transfer in MiB (default 4)"
    )


def _run(args: Namespace) -> int:
    import uvicorn

    from gan_core import choose_threads
    from gan_plugin_serve.app import Limits, create_app
    from gan_plugin_serve.demo import DemoRun, unique_names

    _check_free(args.host, args.port)
    for path in args.run_dirs:
        if not path.is_dir():
            raise ConfigError("RUN_DIR", f"{path} is not a directory")
    names = unique_names(args.run_dirs)
    runs = {names[path]: DemoRun.load(path, args.registry, names[path]) for path in args.run_dirs}
    first = next(iter(runs.values())).run.config.train
    choose_threads(first.threads, adaptive=first.adaptive_threads)
    limits = Limits(max_n=args.max_n, max_upload_bytes=args.max_upload_mb * 1024 * 1024)
    app = create_app(runs, limits)
    listed = ", ".join(f"{name} ({run.kind})" for name, run in runs.items())
    print(f"gan serve: http://{args.host}:{args.port}/ serving {listed} (Ctrl-C stops)", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False))
    server.run()
    return 0


SERVE_COMMAND = CommandSpec(
    "serve",
    SERVE_HELP,
    _arguments,
    _run,
    description=(
        "Serve trained runs as a web page (works offline) and an HTTP API: sample grids for a seed, a class "
        "picker for conditional runs, latent interpolation (linear and spherical), image upload and held-out "
        "examples for translations (DTN), and each run's settings, metrics and loss curves. Listens on "
        "127.0.0.1 unless --host says otherwise. API: docs/serve.md."
    ),
)
