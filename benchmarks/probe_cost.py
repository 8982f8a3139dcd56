"""What do the training probes cost? Probed steps against unprobed ones, in the same process.

Timing whole runs with the probes on and off cannot resolve 5% on a machine whose consecutive runs
differ by a third (measured here: whichever of two identical runs came second was faster). So the
comparison is made inside one run, between neighbouring steps: each variant's default mnist-5k
training (``gan train VARIANT``'s recipe, through :class:`gan_core.GanTrainer`) runs with
``log_every = 2``, so that every other step is probed and logged, and the time from the start of one
step to the start of the next is recorded by wrapping the game's step. A probed step pays the
probes *and* the log line; the same run with ``probes = false`` measures what the log line alone costs
on the same alternation. The probes' cost per probed step is the difference of the two within-run
ratios (median logged step over median plain step); the default (``log_every`` 10) probes one step in
ten, so its cost per step is a tenth of that. The bar (issue 14): at most 5% of a step.

Run from the repository root, alone (the thread count is fixed, torch's own by default)::

    python benchmarks/probe_cost.py                        # vanilla and dcgan, 400 steps each
    python benchmarks/probe_cost.py --variants vanilla --steps 200 --json probes.json

Only public tools are used: ``time.perf_counter`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
from _common import emit, machine


def _timed(variant: Any, stamps: list[tuple[float, bool]]) -> Any:
    """``variant`` whose game's step first records (time, logged) for each call."""
    build = variant.build

    def wrap(config: Any, data: Any) -> Any:
        game = build(config, data)
        inner = game.step

        def step(ctx: Any) -> Any:
            stamps.append((time.perf_counter(), (ctx.step + 1) % 2 == 0))  # logged (and probed) steps
            return inner(ctx)

        return attrs.evolve(game, step=step)

    return attrs.evolve(variant, build=wrap)


def logged_over_plain(variant_name: str, probes: bool, args: argparse.Namespace, scratch: Path) -> dict[str, float]:
    """One run: the median time of a logged (and, with ``probes``, probed) step over a plain one's."""
    from gan_core import GanTrainer, create_registry, resolve_config

    registry = create_registry()
    variant = registry.variant(variant_name)
    flags = {"steps": args.steps, "log_every": 2, "sample_every": 0, "checkpoint_every": 0}
    overrides = [
        "progress=false",
        f"threads={args.threads}",
        "adaptive_threads=false",
        f"probes={'true' if probes else 'false'}",
    ]
    config = resolve_config(variant, flags=flags, overrides=overrides)
    stamps: list[tuple[float, bool]] = []
    out = scratch / f"{variant_name}-{'on' if probes else 'off'}"
    GanTrainer(_timed(variant, stamps), config, out, registry=registry).fit()
    warm = args.steps // 5  # the first steps include warm-up (allocations, first log line)
    intervals = [(b[0] - a[0], a[1]) for a, b in zip(stamps[warm:], stamps[warm + 1 :], strict=False)]
    logged = statistics.median(t for t, is_logged in intervals if is_logged)
    plain = statistics.median(t for t, is_logged in intervals if not is_logged)
    return {"logged_s": logged, "plain_s": plain, "ratio": logged / plain}


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gan-probes-") as scratch:
        for variant in args.variants:
            rows = {"on": [], "off": []}  # type: ignore[var-annotated]
            for round_ in range(args.rounds):
                for probes in (False, True) if round_ % 2 == 0 else (True, False):
                    row = logged_over_plain(variant, probes, args, Path(scratch) / f"round-{round_ + 1}")
                    rows["on" if probes else "off"].append(row)
                    print(
                        f"{variant} probes {'on ' if probes else 'off'}: logged step {row['logged_s'] * 1e3:.1f} ms, "
                        f"plain {row['plain_s'] * 1e3:.1f} ms, ratio {row['ratio']:.3f}",
                        file=sys.stderr,
                    )
            on = statistics.median(r["ratio"] for r in rows["on"])
            off = statistics.median(r["ratio"] for r in rows["off"])
            per_probed_step = on - off
            results[variant] = {
                "runs": rows,
                "logged_over_plain_probes_on": on,
                "logged_over_plain_probes_off": off,
                "cost_per_probed_step": per_probed_step,
                "cost_per_step_at_log_every_10": per_probed_step / 10,
            }
            print(
                f"{variant}: a probed step costs {per_probed_step:+.1%} of a plain step; "
                f"at the default log_every 10: {per_probed_step / 10:+.2%} per step",
                file=sys.stderr,
            )
    return {
        "benchmark": "probe_cost",
        "method": "in-process, neighbouring steps (log_every 2), probes on against off",
        "steps": args.steps,
        "rounds": args.rounds,
        "threads": args.threads,
        "machine": machine(),
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=["vanilla", "dcgan"])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2, help="runs with the probes on, and off, per variant")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    emit(run(args), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
