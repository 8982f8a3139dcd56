"""How long does the ``gan`` command take to answer ``--help`` and ``plugins``, against ``import torch``?

Each command is run as a fresh process, as a user types it, in interleaved rounds
(``python -c "import torch"``, ``gan --help``, ``gan plugins``, ...), so that drift falls on all of
them; the wall time of each (``time.perf_counter`` around ``subprocess.run``) and the peak resident
memory of the child (``resource.getrusage`` in a probe process) are reported as medians with their ranges, and each
command's median time as a share of ``import torch``'s. Whatever plugins are installed are loaded,
as ``gan`` loads them. The machine should be otherwise idle.

Run from the repository root::

    python benchmarks/cli_startup.py                   # 7 rounds
    python benchmarks/cli_startup.py --json cli.json

Only public tools are used: ``subprocess``, ``time``, ``resource`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import Spread, emit, machine

REFERENCE = "import torch"


def _commands() -> dict[str, list[str]]:
    gan = Path(sys.executable).with_name("gan")
    prefix = [str(gan)] if gan.exists() else [sys.executable, "-m", "gan_core.cli"]
    return {
        REFERENCE: [sys.executable, "-c", "import torch"],
        "gan --help": [*prefix, "--help"],
        "gan plugins": [*prefix, "plugins"],
        "gan train --help": [*prefix, "train", "--help"],
    }


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run(rounds: int) -> dict[str, Any]:
    commands = _commands()
    for command in commands.values():  # a warm-up each: the file cache, not the first read from disk
        _seconds(command)
    memory = {name: _memory_alone(command) for name, command in commands.items()}
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            seconds[name].append(_seconds(command))
    reference = Spread.of(seconds[REFERENCE]).median
    return {
        "benchmark": "cli_startup",
        "rounds": rounds,
        "machine": machine(),
        "commands": {
            name: {
                "seconds": Spread.of(values).as_dict(),
                "share_of_import_torch": Spread.of(values).median / reference,
                "peak_memory_mib": memory[name],
            }
            for name, values in seconds.items()
        },
    }


def _memory_alone(command: list[str]) -> float:
    """Peak resident memory of one run of ``command``: the children's maximum of a fresh Python process
    that starts it and nothing else (Linux reports KiB)."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True)
    return int(done.stdout.strip()) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    report = run(args.rounds)
    for name, row in report["commands"].items():
        median = row["seconds"]["median"]
        print(f"{name:18s} {median:6.3f} s  {row['share_of_import_torch']:5.2f} of import torch  "
              f"{row['peak_memory_mib']:6.0f} MiB", file=sys.stderr)  # fmt: skip
    emit(report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
