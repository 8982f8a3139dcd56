"""What do the training probes cost? The default mnist-5k runs with ``train.probes`` on and off.

``gan train VARIANT`` (its documented defaults: mnist-5k, the variant's batch size, ``log_every``
10, or ``--log-every``) is run through the ``gan`` command with the probes on (the default) and off
(``--set probes=false``), in interleaved rounds (off first in odd rounds, on first in even ones);
speed is steps per second between the log lines at a third of the run and at its end, read from
``log.jsonl``. The bar (issue 14): the probes cost at most 5% of a step. The machine must be
otherwise idle; the thread count is fixed (``--threads``, default torch's own) so that the
load-following default does not blur the comparison. With ``--log-every 1`` every step is probed:
the cost per probed step, ten times what the default (one step in ten) pays.

Run from the repository root::

    python benchmarks/probe_cost.py                      # vanilla and dcgan, 3 rounds of 300 steps
    python benchmarks/probe_cost.py --variants vanilla --json probes.json

Only public tools are used: ``subprocess`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import Spread, emit, gan_command, machine, steps_per_second


def train_once(variant: str, probes: bool, args: argparse.Namespace, scratch: Path) -> float:
    out = scratch / f"{variant}-{'on' if probes else 'off'}"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        *gan_command(), "train", variant, "--steps", str(args.steps), "--out", str(out),
        "--set", "sample_every=0", "--set", "checkpoint_every=0", "--set", "progress=false",
        "--set", f"threads={args.threads}", "--set", f"probes={'true' if probes else 'false'}",
        "--set", f"log_every={args.log_every}",
    ]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return steps_per_second(out, args.steps)


def run(args: argparse.Namespace) -> dict[str, Any]:
    speeds = {variant: {"on": [], "off": []} for variant in args.variants}
    with tempfile.TemporaryDirectory(prefix="gan-probes-") as scratch:
        for round_ in range(args.rounds):
            for variant in args.variants:
                for probes in (False, True) if round_ % 2 == 0 else (True, False):  # no order bias
                    speed = train_once(variant, probes, args, Path(scratch))
                    speeds[variant]["on" if probes else "off"].append(speed)
                    state = "on " if probes else "off"
                    print(f"round {round_ + 1}: {variant} probes {state} {speed:6.2f} steps/s", file=sys.stderr)
    results = {}
    for variant, by_state in speeds.items():
        on, off = Spread.of(by_state["on"]), Spread.of(by_state["off"])
        results[variant] = {"probes_on": on.as_dict(), "probes_off": off.as_dict(), "cost": off.median / on.median - 1}
    return {
        "benchmark": "probe_cost",
        "steps": args.steps,
        "rounds": args.rounds,
        "threads": args.threads,
        "log_every": args.log_every,
        "machine": machine(),
        "steps_per_second": results,
    }


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=["vanilla", "dcgan"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--log-every",
        type=int,
        default=10,
        help="probe every this many steps (10: the default; 1 probes every step, which magnifies the cost tenfold "
        "over the default's, above this machine's run-to-run noise)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    report = run(args)
    emit(report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
