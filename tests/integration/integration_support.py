"""Helpers for the integration tests: run the installed ``gan`` command in a clean environment.

(A module of its own, not conftest.py: test modules import it, and tests/core has a conftest too.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from gan_core import _plugins as plugins

REPO = Path(__file__).resolve().parents[2]
#: entry-point names that must be installed for these tests to mean anything
REQUIRED_PLUGINS = ("vanilla", "example")

#: A small model and a short run for the example variant: seconds, not minutes.
TINY_EXAMPLE = (
    "--set",
    "g_hidden=[16]",
    "--set",
    "d_hidden=[16]",
    "--set",
    "latent_dim=4",
    "--set",
    "batch_size=32",
    "--set",
    "progress=false",
)


@attrs.frozen
class Completed:
    code: int
    out: str
    err: str


def gan_command() -> list[str]:
    """The console script pip installed beside this interpreter (what a user types)."""
    script = Path(sys.executable).parent / ("gan.exe" if os.name == "nt" else "gan")
    assert script.exists(), f"the gan console script is not installed at {script}"
    return [str(script)]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (plugins.ONLY_ENV, plugins.STRICT_ENV)}
    env[plugins.STRICT_ENV] = "1"
    env.update(extra)
    return env


def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Completed:
    result = subprocess.run(
        list(argv), cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    return Completed(result.returncode, result.stdout, result.stderr)


def gan(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Completed:
    return run([*gan_command(), *args], cwd, env)
