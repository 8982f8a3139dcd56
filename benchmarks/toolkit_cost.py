"""What each toolkit option costs per training step: its seconds per step over the same run without it.

Every option is timed on the same base run (a variant, its defaults, a data set), once per round, the
base run included in every round; the rounds interleave the options, so a slow spell of the machine
falls on all of them alike and shows in the range rather than in one ratio. A run is timed by its own
log from its 20th step to its last (``_common.seconds_per_step``), each in a process of its own with
torch's default threads; keep the machine quiet while this runs.

Run from the repository root::

    python benchmarks/toolkit_cost.py                                    # dcgan on mnist-5k, 3 rounds
    python benchmarks/toolkit_cost.py --rounds 5 --out benchmarks/results/toolkit_cost-cpu-2core
    python benchmarks/toolkit_cost.py --variant r3gan --options base r1-lazy ema --out /tmp/r3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from _common import Spread, exit_with_parent, machine, seconds_per_step, write_report_files

#: each option's settings on top of the base run (``--set`` style)
OPTIONS: Mapping[str, tuple[str, ...]] = {
    "base": (),
    "ema": ("train.ema=10000",),
    "r1": ("train.r1=1", "train.reg_every=1"),
    "r1-lazy": ("train.r1=1", "train.reg_every=4"),
    "r1+r2": ("train.r1=1", "train.r2=1", "train.reg_every=1"),
    "r1+r2-lazy": ("train.r1=1", "train.r2=1", "train.reg_every=4"),
    "penalty-decay": ("train.r1=1", "train.r2=1", "train.reg_every=4", "train.penalty_final=0.1"),
    "spectral-norm": ("train.spectral_norm=true",),
    "diffaugment": ("train.diffaugment=color,translation,cutout",),
    "hinge": ("model.loss=hinge",),
    "rpgan": ("model.loss=rpgan",),
    "d-lr": ("model.d_lr=0.0004",),
}
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "toolkit_cost"


def _time(variant: str, dataset: str, option: str, steps: int, work_dir: str, index: int) -> float:
    out = Path(work_dir) / f"{option}-{index}"
    return seconds_per_step(variant, {"dataset": dataset, "seed": 0}, OPTIONS[option], out, steps)


def report(times: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """Seconds per step and the ratio to ``base``, each the median over rounds with its range; a
    round's ratio divides by the same round's base."""
    base = times["base"]
    rows = {}
    for option, values in times.items():
        ratios = [value / reference for value, reference in zip(values, base, strict=True)]
        rows[option] = {"seconds_per_step": Spread.of(values).as_dict(), "ratio": Spread.of(ratios).as_dict()}
    return rows


def markdown(rows: Mapping[str, Mapping[str, Any]], variant: str, dataset: str) -> str:
    lines = [
        f"| option ({variant} on {dataset}) | settings | ms per step (median) | × base (median, range) |",
        "|---|---|---|---|",
    ]
    for option, row in rows.items():
        ratio = row["ratio"]
        settings = " ".join(f"`{s}`" for s in OPTIONS[option]) or "the variant's defaults"
        lines.append(
            f"| {option} | {settings} | {1000 * row['seconds_per_step']['median']:.1f} | "
            f"{ratio['median']:.2f} ({ratio['min']:.2f}–{ratio['max']:.2f}) |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--variant", default="dcgan")
    parser.add_argument("--dataset", default="mnist-5k")
    parser.add_argument("--options", nargs="+", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100, help="steps per timed run (a multiple of 20, > 20)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    args = parser.parse_args(argv)
    if args.rounds <= 0 or args.steps <= 20 or args.steps % 20:
        parser.error("--rounds must be positive and --steps a multiple of 20 above 20")
    options = ["base", *(o for o in args.options if o != "base")]

    times: dict[str, list[float]] = {option: [] for option in options}
    environment = machine()
    with tempfile.TemporaryDirectory() as work_dir:
        for index in range(args.rounds):
            for option in options:
                with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=exit_with_parent) as pool:
                    job = pool.submit(_time, args.variant, args.dataset, option, args.steps, work_dir, index)
                    times[option].append(job.result())
                print(f"round {index + 1}: {option} {1000 * times[option][-1]:.1f} ms/step", file=sys.stderr)
    rows = report(times)
    table = markdown(rows, args.variant, args.dataset)
    record = {
        "machine": environment,
        "variant": args.variant,
        "dataset": args.dataset,
        "steps": args.steps,
        "rounds": args.rounds,
        "options": {option: list(OPTIONS[option]) for option in options},
        "seconds_per_step": times,
        "summary": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report_files(args.out, json.dumps(record, indent=2) + "\n", table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
