"""Mode collapse on the toy 2-D sets: modes captured and high-quality share, per variant config and seed.

For every (config, data set, seed) this trains the variant as ``gan train`` would (the variant's own
defaults, plus the config's settings), draws 2,500 samples as ``gan sample RUN --n 2500`` does (noise
seed 0), and scores them as PacGAN (Lin et al. 2018) does with ``gan_core.data.ring8()/grid25()``'s
``coverage``: a sample is high quality within 3 standard deviations of its nearest mode, and a mode is
captured when at least one high-quality sample falls nearest to it. It writes every run to a JSON file and a
markdown table of mean ± standard deviation over seeds beside PacGAN's published Table 1.

The configs:

- ``vanilla-ns``, ``vanilla-minimax``: gan-plugin-vanilla's defaults (its MLPs, Adam 2e-4, batch 64, k = 1)
  with the non-saturating or the minimax generator loss, trained for ``VANILLA_STEPS`` generator steps
  (twice the 5,000 after which docs/results.md shows vanilla still hopping between ring8's modes; the
  plugin's own default, 12,000, was set for mnist-5k);
- ``wgan-clip``, ``wgan-gp``: gan-plugin-wgan's defaults with ``constraint = "clip"`` or ``"gp"``.

Run from the repository root (each run in its own process, with one torch thread)::

    python benchmarks/toy_modes.py                 # everything: 4 configs x 2 data sets x seeds 0, 1, 2
    python benchmarks/toy_modes.py --jobs 2 --seeds 0 1 2 --out benchmarks/results/toy_modes-cpu-2core
    python benchmarks/toy_modes.py --configs wgan-gp --datasets ring8 --seeds 0 --out /tmp/toy
    python benchmarks/toy_modes.py --append --out benchmarks/results/toy_modes-cpu-2core   # add the missing runs

The report is rewritten after every run, so a sweep stopped part-way keeps what it measured, and
``--append`` continues it.

Only public pieces are used: ``gan_core``'s API (``resolve_config``, ``GanTrainer``, ``load_generator``,
``sample_latent``, ``generate``, the toy mixtures' ``coverage``) and the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from _common import cpu_model, report_path, write_report_files

VANILLA_STEPS = 10_000
TOY_R1 = ("r1=1",)  # gamma; the toy sets' scale is about 1 (the ring's radius)
TOY_R2 = ("r2=1",)
TOY_EMA = ("ema=10000",)  # a half-life of 10,000 points
SAMPLES = 2500  # PacGAN's evaluation size
SAMPLE_SEED = 0  # gan sample's default noise seed
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "toy_modes"


@dataclass(frozen=True)
class ToyConfig:
    """A variant, its model and training settings (``--set`` style) and, optionally, a number of steps."""

    name: str
    variant: str
    overrides: tuple[str, ...] = ()  # model settings
    steps: int | None = None  # None: the variant's own default
    train: tuple[str, ...] = ()  # training settings: the toolkit's options


CONFIGS: Mapping[str, ToyConfig] = {
    c.name: c
    for c in (
        ToyConfig("vanilla-ns", "vanilla", ("loss=non-saturating",), VANILLA_STEPS),
        ToyConfig("vanilla-minimax", "vanilla", ("loss=minimax",), VANILLA_STEPS),
        ToyConfig("wgan-clip", "wgan", ("constraint=clip",)),
        ToyConfig("wgan-gp", "wgan", ("constraint=gp",)),
        # the toolkit on the same vanilla networks and steps (docs/toolkit.md)
        ToyConfig("vanilla-ns+r1+ema", "vanilla", ("loss=non-saturating",), VANILLA_STEPS, TOY_R1 + TOY_EMA),
        ToyConfig("vanilla-hinge+sn", "vanilla", ("loss=hinge",), VANILLA_STEPS, ("spectral_norm=true",)),
        ToyConfig("vanilla-rpgan+r1+r2", "vanilla", ("loss=rpgan",), VANILLA_STEPS, TOY_R1 + TOY_R2),
    )
}
DATASETS = ("ring8", "grid25")

#: PacGAN (Lin et al. 2018), Table 1: (modes captured, high-quality share in %) on 2,500 samples
PACGAN_TABLE_1: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "GAN": {"ring8": (6.3, 98.2), "grid25": (17.3, 94.8)},
    "PacGAN4": {"ring8": (7.8, 95.9), "grid25": (24.8, 93.6)},
}


@dataclass
class RunResult:
    config: str
    dataset: str
    seed: int
    steps: int
    modes_captured: int
    num_modes: int
    high_quality_fraction: float
    wall_s: float  # the whole training call: setup, loop and final checkpoint
    loop_s: float  # the training loop alone (TrainResult.loop_seconds)
    extra: dict[str, Any] = field(default_factory=dict)


def run_one(config: ToyConfig, dataset: str, seed: int, work_dir: str, steps: int | None = None) -> RunResult:
    """Train, sample and score one run; meant to run in a worker process of its own."""
    import torch

    torch.set_num_threads(1)
    from gan_core import GanTrainer, create_registry, generate, load_generator, resolve_config
    from gan_core.data import grid25, ring8

    registry = create_registry()
    variant = registry.variant(config.variant)
    flags: dict[str, Any] = {"dataset": dataset, "seed": seed, "steps": steps or config.steps}
    train_settings = ["progress=false", "sample_every=0", "checkpoint_every=0", "log_every=100"]
    overrides = [f"train.{s}" for s in (*train_settings, *config.train)] + [f"model.{s}" for s in config.overrides]
    run_config = resolve_config(variant, flags=flags, overrides=overrides)
    out = Path(work_dir) / f"{config.name}-{dataset}-seed{seed}"
    started = time.perf_counter()
    result = GanTrainer(variant, run_config, out, registry=registry).fit()
    wall = time.perf_counter() - started
    run = load_generator(out, registry)
    drawn = run.inputs.fixed(SAMPLES, SAMPLE_SEED)
    samples = generate(run.generator, drawn.x, drawn.y)
    coverage = {"ring8": ring8, "grid25": grid25}[dataset]().coverage(samples)
    return RunResult(
        config=config.name,
        dataset=dataset,
        seed=seed,
        steps=run_config.train.steps,
        modes_captured=coverage.modes_captured,
        num_modes=coverage.num_modes,
        high_quality_fraction=coverage.high_quality_fraction,
        wall_s=round(wall, 2),
        loop_s=round(result.loop_seconds, 2),
        extra={"last": dict(result.last_scalars)},
    )


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarise(results: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per (config, data set): mean and standard deviation over seeds."""
    rows = []
    for key in dict.fromkeys((r.config, r.dataset) for r in results):
        group = [r for r in results if (r.config, r.dataset) == key]
        modes, hq, wall = (
            _mean_std(v)
            for v in zip(*((r.modes_captured, r.high_quality_fraction, r.wall_s) for r in group), strict=True)
        )
        rows.append(
            {
                "config": key[0],
                "dataset": key[1],
                "seeds": [r.seed for r in group],
                "num_modes": group[0].num_modes,
                "modes_mean": modes[0],
                "modes_std": modes[1],
                "hq_mean": hq[0],
                "hq_std": hq[1],
                "all_modes_runs": sum(r.modes_captured == r.num_modes for r in group),
                "wall_s_mean": wall[0],
                "steps": group[0].steps,
            }
        )
    return rows


def markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The summary as a markdown table, PacGAN's Table 1 rows first."""
    lines = [
        "| config | data set | modes captured | high-quality share | runs with all modes | steps | wall s (mean) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, table in PACGAN_TABLE_1.items():
        for dataset in DATASETS:
            if any(row["dataset"] == dataset for row in rows):
                modes, hq = table[dataset]
                lines.append(f"| {name} (PacGAN Table 1, published) | {dataset} | {modes} | {hq}% | | | |")
    for row in rows:
        lines.append(
            f"| {row['config']} | {row['dataset']} | {row['modes_mean']:.1f} ± {row['modes_std']:.1f} of "
            f"{row['num_modes']} | {100 * row['hq_mean']:.1f}% ± {100 * row['hq_std']:.1f} | "
            f"{row['all_modes_runs']} of {len(row['seeds'])} | {row['steps']} | {row['wall_s_mean']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _load_runs(path: Path) -> tuple[list[RunResult], float]:
    """The runs of an earlier report (``--append``) and the seconds they took, so a sweep can be
    extended or resumed."""
    if not path.exists():
        return [], 0.0
    report = json.loads(path.read_text())
    return [RunResult(**run) for run in report["runs"]], float(report.get("total_s", 0.0))


def write_report(out: Path, results: Sequence[RunResult], jobs: int, total_s: float) -> str:
    """Write OUT.json (every run and the summary) and OUT.md (the table); return the table.

    Called after every finished run, so a sweep that is stopped part-way keeps what it measured.
    """
    order = {name: i for i, name in enumerate(CONFIGS)}
    results = sorted(results, key=lambda r: (order.get(r.config, len(order)), DATASETS.index(r.dataset), r.seed))
    rows = summarise(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        # the processor matters beyond speed: torch's CPU kernels differ between processors, so a run
        # is bit-for-bit repeatable on the same one but a different draw on another
        "machine": {
            "platform": platform.platform(),
            "cpu_model": cpu_model(),
            "cpus": os.cpu_count(),
            "jobs": jobs,
            "torch_threads": 1,
        },
        "samples": SAMPLES,
        "total_s": round(total_s, 1),
        "pacgan_table_1": PACGAN_TABLE_1,
        "summary": rows,
        "runs": [asdict(r) for r in results],
    }
    table = markdown(rows)
    write_report_files(out, json.dumps(report, indent=2) + "\n", table)  # a reader never sees half a report
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="runs in parallel, each in its own process (one thread)"
    )
    parser.add_argument("--steps", type=int, default=None, help="override every config's steps (smoke tests)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the runs already in OUT.json and skip (config, data set, seed) triples it holds",
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the run directories here")
    args = parser.parse_args(argv)
    if args.jobs <= 0:
        parser.error("--jobs must be >= 1")

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the workers before torch loads
    results, earlier_s = _load_runs(report_path(args.out, ".json")) if args.append else ([], 0.0)
    done = {(r.config, r.dataset, r.seed) for r in results}
    jobs = [
        (CONFIGS[c], d, s) for c in args.configs for d in args.datasets for s in args.seeds if (c, d, s) not in done
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = str(args.work_dir or tmp)
        started = time.perf_counter()
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_one, c, d, s, work_dir, args.steps) for c, d, s in jobs]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                print(
                    f"{result.config} {result.dataset} seed {result.seed}: {result.modes_captured}/"
                    f"{result.num_modes} modes, {100 * result.high_quality_fraction:.1f}% high quality, "
                    f"{result.wall_s:.0f} s",
                    file=sys.stderr,
                )
                write_report(args.out, results, args.jobs, earlier_s + time.perf_counter() - started)
    print(write_report(args.out, results, args.jobs, earlier_s + time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
