"""How much does one other busy process slow ``gan train``, under each thread policy?

The default training of the README (``gan train vanilla``: mnist-5k, batch 64) is run as users run it,
through the ``gan`` command, alone and beside one CPU-bound competitor (a Python busy loop: a
compiler, a test suite, another experiment), under four thread policies:

- ``before``: what gan 0.2.0 did: torch's own thread count for the whole run
  (``--set adaptive_threads=false``), with GNU OpenMP's default wait (300,000 spins before a waiting
  thread sleeps);
- ``default``: no setting, the default since (``train.adaptive_threads = true``): the cores the other
  processes leave free, re-measured every two seconds (gan_core/_threads.py);
- ``short-waits``: torch's own thread count with short OpenMP waits (``GOMP_SPINCOUNT=3000``): the
  alternative that keeps the count, and so the bits, fixed;
- ``one``: ``--set threads=1``.

Speed is training steps per second between the log lines at a third of the run and at its end, read
from the run's ``log.jsonl`` (start-up and data loading excluded). The runs are interleaved round by
round (before alone, before busy, default alone, ...) so that drift falls on all of them; medians
and ranges over rounds are reported, and each policy's busy speed as a share of the same policy's
alone speed and of ``before``'s alone speed. The machine must be otherwise idle.

Run from the repository root::

    python benchmarks/busy_machine.py                     # 3 rounds of 300 steps, about 6 minutes on 2 cores
    python benchmarks/busy_machine.py --json busy.json

Only public tools are used: ``subprocess``, ``time`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Spread, emit, gan_command, machine, steps_per_second

POLICIES = ("before", "default", "short-waits", "one")
_SHORT_SPINS = "3000"
CONDITIONS = ("alone", "busy")
_COMPETITOR = "while True: pass"


def _environment(policy: str) -> dict[str, str]:
    """The caller's environment without thread counts and wait settings, which would fix every
    policy's; ``short-waits`` gets its spin count."""
    ignored = {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    if policy == "short-waits":
        env["GOMP_SPINCOUNT"] = _SHORT_SPINS
    return env


def _policy_settings(policy: str) -> list[str]:
    if policy in {"before", "short-waits"}:
        return ["--set", "adaptive_threads=false"]
    if policy == "one":
        return ["--set", "threads=1"]
    return []


def train_once(policy: str, busy: bool, args: argparse.Namespace, scratch: Path) -> float:
    """One ``gan train`` run; returns its steps per second."""
    out = scratch / f"{policy}-{'busy' if busy else 'alone'}"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        *gan_command(), "train", args.variant, "--steps", str(args.steps), "--out", str(out),
        *(["--dataset", args.dataset] if args.dataset else []),
        "--set", f"log_every={max(1, args.steps // 6)}", "--set", "sample_every=0",
        "--set", "checkpoint_every=0", "--set", "progress=false",
        *_policy_settings(policy),
    ]  # fmt: skip
    competitor = subprocess.Popen([sys.executable, "-c", _COMPETITOR]) if busy else None
    try:
        if competitor is not None:
            time.sleep(0.5)  # running before the trainer measures
        subprocess.run(command, check=True, env=_environment(policy), stdout=subprocess.DEVNULL)
    finally:
        if competitor is not None:
            competitor.kill()
            competitor.wait()
    return steps_per_second(out, args.steps)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    default_threads = torch.get_num_threads()
    speeds: dict[str, dict[str, list[float]]] = {p: {c: [] for c in CONDITIONS} for p in args.policies}
    with tempfile.TemporaryDirectory(prefix="gan-busy-") as scratch:
        for round_ in range(args.rounds):
            for policy in args.policies:
                for condition in CONDITIONS:
                    speed = train_once(policy, condition == "busy", args, Path(scratch))
                    speeds[policy][condition].append(speed)
                    print(f"round {round_ + 1}: {policy:11s} {condition:5s} {speed:6.2f} steps/s", file=sys.stderr)
    medians = {p: {c: Spread.of(v).median for c, v in conditions.items()} for p, conditions in speeds.items()}
    reference = medians.get("before", medians[args.policies[0]])["alone"]
    results = {
        policy: {
            **{condition: Spread.of(values).as_dict() for condition, values in speeds[policy].items()},
            "busy_over_own_alone": medians[policy]["busy"] / medians[policy]["alone"],
            "busy_over_before_alone": medians[policy]["busy"] / reference,
            "alone_over_before_alone": medians[policy]["alone"] / reference,
        }
        for policy in args.policies
    }
    return {
        "benchmark": "busy_machine",
        "variant": args.variant,
        "dataset": args.dataset or "(the variant's default)",
        "steps": args.steps,
        "rounds": args.rounds,
        "competitor": f"{Path(sys.executable).name} -c {_COMPETITOR!r}",
        "torch_default_threads": default_threads,
        "machine": machine(),
        "steps_per_second": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="vanilla")
    parser.add_argument("--dataset", default="", help="default: the variant's own (vanilla: mnist-5k)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--policies", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    report = run(args)
    emit(report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
