"""Stacked MNIST's 1,000 modes at one wall-clock budget: modes covered and KL, per config and seed.

Every config gets the same budget of training time on this machine, not the same number of steps: a
modern network costs more per step, and the question a user asks is what a given time buys. For each
config the script first times a short calibration run (the steps between the 20th and the last, so
start-up is excluded) and gives the config ``budget / seconds per step`` steps; then, for every seed,
it trains as ``gan train VARIANT --dataset stacked-mnist`` would, with the config's settings, and
measures the run as ``gan eval RUN --metrics modes --n 26000`` does: the shipped digits classifier
labels each channel of 26,000 samples, a mode is covered when at least one sample falls in it, and KL
is the divergence of the mode histogram from uniform (VEEGAN's, PacGAN's and R3GAN's protocol).

The configs run by default: DCGAN as it is, DCGAN with the toolkit (the options in its entry), and the
modern baseline with its documented defaults; ``CONFIGS`` also names the variations of the baseline that
chose its defaults (``--configs r3gan-lr2e-4 ...``). The runs go one after another, each in a process of its
own with torch's default threads: a budget in seconds means nothing on a shared machine, so keep it
quiet while this runs (the report records the load average at every start).

Run from the repository root::

    python benchmarks/stacked_mnist.py                                  # 3 configs x seeds 0, 1, 2
    python benchmarks/stacked_mnist.py --budget-min 30 --out benchmarks/results/stacked_mnist-cpu-2core
    python benchmarks/stacked_mnist.py --configs r3gan --seeds 0 --budget-min 5 --out /tmp/sm
    python benchmarks/stacked_mnist.py --append --out benchmarks/results/stacked_mnist-cpu-2core
    python benchmarks/stacked_mnist.py --configs r3gan-lr2e-4 r3gan-lr1e-3 r3gan-wide-d r3gan-wide-d-narrow-g \
        r3gan-narrow-g r3gan-gamma0.1 r3gan-gamma1 r3gan-gamma0.01 r3gan-gamma0.001 --seeds 0 --budget-min 10.7
    python benchmarks/stacked_mnist.py --configs r3gan-batch64 r3gan-batch32 r3gan-batch16 r3gan-wide-g-out \
        r3gan-beta2-0.9 --seeds 0 --budget-min 5

The report (OUT.json with every run, OUT.md with the table) is rewritten after every run, so a sweep
stopped part-way keeps what it measured, and ``--append`` continues it. Each run records what it
was made with (its resolved config, seed and steps aside): ``--append`` refuses, with exit code 2, a config
whose settings have changed since the report's runs of it (a variant's defaults changed). Only public pieces are used:
``gan_core`` (``resolve_config``, ``GanTrainer``, ``RunDir``), ``gan_plugin_metrics.evaluate_run`` and
the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import machine, resolved_settings, run_at_budget, seconds_per_step, train_timed, write_report_files

DATASET = "stacked-mnist"
SAMPLES = 26_000  # the literature's evaluation size
CALIBRATION_STEPS = 60  # timed from the 20th: start-up, the first batches and the allocator excluded
DEFAULT_BUDGET_MIN = 30.0
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "stacked_mnist"


@dataclass(frozen=True)
class BudgetConfig:
    """A variant and its settings (``--set`` style, ``train.`` or ``model.`` qualified)."""

    name: str
    variant: str
    settings: tuple[str, ...] = ()
    note: str = ""


#: r3gan's networks before 2026-12-06 made the linear stem and the minibatch deviation its defaults:
#: R3GAN's basis stem and no batch statistic; every config measured before then pins them
_BASIS_NO_MBSTD = ("model.stem=basis", "model.mbstd_group=0")
#: DCGAN's linear stem and a minibatch deviation in D (ProGAN's): r3gan's networks since 2026-12-06
_LINEAR_STEM_MBSTD = ("model.stem=linear", "model.mbstd_group=4")
#: r3gan's batch before the screening of 2026-12-04 set it to 32; the configs measured before then pin it
_BATCH_64 = ("train.batch_size=64",)
#: R1 and R2 at 0.1: r3gan's default until 2026-12-03 (at batch 64) and again since 2026-12-06
_R1_R2_0_1 = ("train.r1=0.1", "train.r2=0.1")
#: r3gan's R1 and R2 weights from the sweep of 2026-12-03 to 2026-12-06
_GAMMA_0_01 = ("train.r1=0.01", "train.r2=0.01")
#: r3gan's R1 and R2 before the sweep that set them to 0.01, at batch 64 (the defaults then)
_GAMMA_0_1 = (*_R1_R2_0_1, *_BATCH_64)


def _before_1206(*settings: str) -> tuple[str, ...]:
    """A config measured before 2026-12-06, with the networks of the time pinned so that its row reproduces."""
    return (*_BASIS_NO_MBSTD, *settings)


CONFIGS: Mapping[str, BudgetConfig] = {
    c.name: c
    for c in (
        BudgetConfig("dcgan", "dcgan", (), "gan-plugin-dcgan's defaults"),
        BudgetConfig(
            "dcgan-toolkit",
            "dcgan",
            (
                "model.loss=rpgan",
                "train.r1=0.1",
                "train.r2=0.1",
                "train.reg_every=4",
                "train.ema=10000",
                "train.lr_decay=linear",
            ),
            "DCGAN's networks with the modern baseline's objective: RpGAN, R1 and R2 (gamma 0.1, every 4th "
            "update), the average of G (half-life 10,000 images) and a linear learning-rate decay",
        ),
        BudgetConfig("r3gan", "r3gan", (), "gan-plugin-r3gan's documented defaults"),
        # the sweep that chose r3gan's learning rate, widths and gamma (docs/results.md; the command
        # above); all ran at batch 64, and the rate and width configs at gamma 0.1, the defaults then
        BudgetConfig(
            "r3gan-lr2e-4", "r3gan", _before_1206("model.lr=2e-4", *_GAMMA_0_1), "r3gan at R3GAN's own starting rate"
        ),
        BudgetConfig("r3gan-lr1e-3", "r3gan", _before_1206("model.lr=1e-3", *_GAMMA_0_1), "r3gan at a rate of 1e-3"),
        BudgetConfig(
            "r3gan-wide-d",
            "r3gan",
            _before_1206("model.lr=2e-4", "model.d_widths=[128,32,8]", *_GAMMA_0_1),
            "r3gan at 2e-4 with a discriminator four times as wide at 7x7 and twice at 14x14",
        ),
        BudgetConfig(
            "r3gan-wide-d-narrow-g",
            "r3gan",
            _before_1206("model.lr=2e-4", "model.g_widths=[64,32,16]", "model.d_widths=[128,32,8]", *_GAMMA_0_1),
            "r3gan-wide-d with a generator half as wide at 7x7 and 14x14",
        ),
        BudgetConfig(
            "r3gan-narrow-g",
            "r3gan",
            _before_1206("model.g_widths=[64,32,16]", *_GAMMA_0_1),
            "r3gan with a generator half as wide at 7x7 and 14x14 (a step about two thirds as long)",
        ),
        BudgetConfig(
            "r3gan-gamma0.1",
            "r3gan",
            _before_1206(*_GAMMA_0_1),
            "r3gan with R1 and R2 at 0.1 (the default until 0.01)",
        ),
        BudgetConfig(
            "r3gan-gamma1",
            "r3gan",
            _before_1206("train.r1=1.0", "train.r2=1.0", *_BATCH_64),
            "r3gan with R1 and R2 at 1",
        ),
        BudgetConfig(
            "r3gan-gamma0.01", "r3gan", _before_1206(*_GAMMA_0_01, *_BATCH_64), "r3gan with R1 and R2 at 0.01"
        ),
        BudgetConfig(
            "r3gan-gamma0.001",
            "r3gan",
            _before_1206("train.r1=0.001", "train.r2=0.001", *_BATCH_64),
            "r3gan with R1 and R2 at 0.001",
        ),
        # the screening of 2026-12-04 (five-minute budgets) that set the batch to 32: what makes the
        # digits legible sooner; its row "r3gan" ran the defaults of the time, now r3gan-batch64
        BudgetConfig(
            "r3gan-batch64",
            "r3gan",
            _before_1206(*_GAMMA_0_01, *_BATCH_64),
            "r3gan with batches of 64 (the default until 32)",
        ),
        BudgetConfig(
            "r3gan-batch32",
            "r3gan",
            _before_1206(*_GAMMA_0_01, "train.batch_size=32"),
            "r3gan with batches of 32: the defaults from 2026-12-04 to 2026-12-06",
        ),
        BudgetConfig(
            "r3gan-batch16", "r3gan", _before_1206(*_GAMMA_0_01, "train.batch_size=16"), "r3gan with batches of 16"
        ),
        BudgetConfig(
            "r3gan-wide-g-out",
            "r3gan",
            _before_1206(*_GAMMA_0_01, "model.g_widths=[128,64,32]", *_BATCH_64),
            "r3gan at batch 64 with a generator twice as wide at 28x28, where it draws the strokes",
        ),
        BudgetConfig(
            "r3gan-beta2-0.9",
            "r3gan",
            _before_1206(*_GAMMA_0_01, "model.beta2=0.9", *_BATCH_64),
            "r3gan at batch 64 with Adam's beta2 at 0.9 (R3GAN's start)",
        ),
        # what couples r3gan's channels (docs/results.md): its discriminator is 8 channels wide at
        # 28x28, where the three digits lie on top of each other, against DCGAN's 32 at 14x14
        BudgetConfig(
            "r3gan-wide-d-fine",
            "r3gan",
            _before_1206(*_GAMMA_0_01, "model.d_widths=[32,32,16]"),
            "r3gan with a discriminator twice as wide at 28x28 and 14x14 (16 and 32 channels, not 8 and 16)",
        ),
        # what makes r3gan's seeds differ (docs/results.md, 2026-12-06): seed 1 collapsed a channel at
        # gamma 0.01, chosen on seed 0 at batch 64; dcgan with the toolkit holds across seeds at 0.1
        BudgetConfig(
            "r3gan-gamma0.1-batch32",
            "r3gan",
            _before_1206(*_R1_R2_0_1),
            "r3gan's defaults until 2026-12-06 with R1 and R2 at 0.1 (dcgan with the toolkit's), not 0.01",
        ),
        # what dcgan with the toolkit has and r3gan lacks: a full linear stem, and batch statistics in
        # the discriminator (DCGAN's batch norm; here the minibatch standard deviation of ProGAN/StyleGAN2)
        BudgetConfig(
            "r3gan-mbstd-linear-stem",
            "r3gan",
            (*_LINEAR_STEM_MBSTD, *_GAMMA_0_01),
            "r3gan with DCGAN's linear stem and a minibatch standard deviation (groups of 4) in D",
        ),
        BudgetConfig(
            "r3gan-gamma0.1-mbstd-linear-stem",
            "r3gan",
            (*_LINEAR_STEM_MBSTD, *_R1_R2_0_1),
            "r3gan-mbstd-linear-stem with R1 and R2 at 0.1: the two changes that each helped seed 1",
        ),
        # which of the pair does it: the batch statistic alone, R3GAN's own generator kept (its stem
        # shapes the generator's weights, so a default change of it would not load older runs)
        BudgetConfig(
            "r3gan-gamma0.1-mbstd",
            "r3gan",
            ("model.stem=basis", "model.mbstd_group=4", *_R1_R2_0_1),
            "r3gan-gamma0.1-mbstd-linear-stem with R3GAN's basis stem: the minibatch deviation alone",
        ),
        # what remains after them is each channel's digits drawn unevenly (docs/results.md, 2026-12-06):
        # PacGAN's answer, a discriminator that scores samples in packs (worse over three seeds)
        BudgetConfig(
            "r3gan-gamma0.1-mbstd-linear-stem-pack2",
            "r3gan",
            (*_LINEAR_STEM_MBSTD, *_R1_R2_0_1, "model.pack=2"),
            "r3gan-gamma0.1-mbstd-linear-stem with a discriminator that scores packs of two samples (PacGAN)",
        ),
        # R3GAN's own schedule of gamma (its presets: a cosine from gamma to a tenth of it), for the
        # digits that the settings above leave uneven
        BudgetConfig(
            "r3gan-gamma-decay",
            "r3gan",
            (*_LINEAR_STEM_MBSTD, *_R1_R2_0_1, "train.penalty_final=0.1"),
            "r3gan's defaults with R1 and R2 falling along a cosine from 0.1 to 0.01 (R3GAN's schedule)",
        ),
        # the other way: seed 1's digits grew more even from gamma 0.01 to 0.1 and less even when the
        # schedule took it back toward 0.01, so a stronger penalty
        BudgetConfig(
            "r3gan-gamma0.3",
            "r3gan",
            (*_LINEAR_STEM_MBSTD, "train.r1=0.3", "train.r2=0.3"),
            "r3gan's defaults with R1 and R2 at 0.3, not 0.1",
        ),
        # twice the time left two of seed 0's channels far less sure of their digits than the third
        # (docs/results.md, 2026-12-06): the generator's last stage, 16 channels at 28x28 shared by the
        # three colours, twice as wide
        BudgetConfig(
            "r3gan-wide-g-out-1206",
            "r3gan",
            ("model.g_widths=[128,64,32]", *_LINEAR_STEM_MBSTD, *_R1_R2_0_1),
            "r3gan's defaults since 2026-12-06 with a generator twice as wide at 28x28 (32 channels, not 16)",
        ),
    )
}
#: what a plain run compares: the published rows' kind of model, with and without the toolkit, and
#: the modern baseline (the others in CONFIGS are the sweep behind r3gan's defaults)
DEFAULT_CONFIGS = ("dcgan", "dcgan-toolkit", "r3gan")

#: published Stacked MNIST figures, (modes of 1,000, KL of the mode histogram from uniform): PacGAN
#: (Lin et al. 2018) Table 2, VEEGAN's setup (its small networks, 26,000 samples, 10 trials); read from
#: the table's image in the authors' repository (fjxmlzn/PacGAN, stacked_MNIST_experiments/results)
PUBLISHED: Mapping[str, tuple[float, float]] = {
    "DCGAN (PacGAN Table 2, from VEEGAN)": (99.0, 3.40),
    "ALI (PacGAN Table 2, from VEEGAN)": (16.0, 5.40),
    "Unrolled GAN (PacGAN Table 2, from VEEGAN)": (48.7, 4.32),
    "VEEGAN (PacGAN Table 2)": (150.0, 2.95),
    "PacDCGAN2 (PacGAN Table 2)": (1000.0, 0.06),
}


@dataclass
class RunResult:
    config: str
    seed: int
    steps: int
    modes: int
    kl: float
    train_s: float  # the whole training call: setup, loop and the final checkpoint
    loop_s: float  # the training loop alone (TrainResult.loop_seconds)
    eval_s: float
    load_average: list[float] = field(default_factory=list)
    # the KL split (the modes metric's modes_kl_parts and modes_kl_dependence): the channels' digit
    # frequencies and the channels' dependence; None in reports written before the split existed
    kl_parts: float | None = None
    kl_dependence: float | None = None
    # what the run was made with (``_common.resolved_settings``): --append refuses a config whose
    # settings have changed since; None in reports written before the record
    resolved: dict[str, Any] | None = None


def _settings(config: BudgetConfig, seed: int, steps: int) -> tuple[dict[str, Any], list[str]]:
    flags = {"dataset": DATASET, "seed": seed, "steps": steps}
    quiet = ["train.progress=false", "train.sample_every=0", "train.checkpoint_every=0", "train.log_every=20"]
    return flags, [*quiet, *config.settings]


def _train(config: BudgetConfig, seed: int, steps: int, out: Path) -> tuple[float, float]:
    """Train one run in this process; return (whole call, loop) seconds."""
    flags, overrides = _settings(config, seed, steps)
    return train_timed(config.variant, flags, overrides, out)


def _resolved(config: BudgetConfig) -> dict[str, Any]:
    """What every run of ``config`` is made with, seed and steps aside."""
    flags, settings = _settings(config, 0, CALIBRATION_STEPS)
    return resolved_settings(config.variant, flags, settings)


def calibrate(config: BudgetConfig, work_dir: str) -> float:
    """Seconds per step of the config, from a short run timed by its log (start-up excluded)."""
    flags, _ = _settings(config, 0, CALIBRATION_STEPS)
    return seconds_per_step(
        config.variant, flags, config.settings, Path(work_dir) / f"calibrate-{config.name}", CALIBRATION_STEPS
    )


def run_one(config: BudgetConfig, seed: int, steps: int, work_dir: str, samples: int) -> RunResult:
    """Train and measure one run; meant to run in a process of its own."""
    from gan_plugin_metrics import evaluate_run

    out = Path(work_dir) / f"{config.name}-seed{seed}"
    load = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else []
    resolved = _resolved(config)
    train_s, loop_s = _train(config, seed, steps, out)
    started = time.perf_counter()
    evaluation = evaluate_run(out, metrics="modes", n=samples, use_cache=False)
    return RunResult(
        config=config.name,
        seed=seed,
        steps=steps,
        modes=int(evaluation.metrics["modes"]),
        kl=float(evaluation.metrics["modes_kl"]),
        train_s=round(train_s, 1),
        loop_s=round(loop_s, 1),
        eval_s=round(time.perf_counter() - started, 1),
        load_average=load,
        kl_parts=evaluation.metrics.get("modes_kl_parts"),
        kl_dependence=evaluation.metrics.get("modes_kl_dependence"),
        resolved=resolved,
    )


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarise(results: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per config: mean and standard deviation over seeds."""
    rows = []
    for name in dict.fromkeys(r.config for r in results):
        group = [r for r in results if r.config == name]
        modes, kl, loop = (_mean_std(v) for v in zip(*((r.modes, r.kl, r.loop_s) for r in group), strict=True))
        rows.append(
            {
                "config": name,
                "seeds": [r.seed for r in group],
                "steps": group[0].steps,
                "modes_mean": modes[0],
                "modes_std": modes[1],
                "modes_min": min(r.modes for r in group),
                "kl_mean": kl[0],
                "kl_std": kl[1],
                "kl_max": max(r.kl for r in group),
                "loop_min_mean": loop[0] / 60,
                "kl_parts_mean": _mean_or_none([r.kl_parts for r in group]),
                "kl_dependence_mean": _mean_or_none([r.kl_dependence for r in group]),
            }
        )
    return rows


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    """The mean where every seed has the value (reports from before the KL split have none)."""
    if not values or any(v is None for v in values):
        return None
    return statistics.fmean(v for v in values if v is not None)


def _split(row: Mapping[str, Any]) -> str:
    parts, dependence = row.get("kl_parts_mean"), row.get("kl_dependence_mean")
    return f"{parts:.3f} + {dependence:.3f}" if parts is not None and dependence is not None else ""


def markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The summary as a markdown table, the published figures first."""
    lines = [
        "| config | modes of 1,000 | KL | KL: digits + dependence (mean) | worst seed (modes, KL) | steps "
        "| training minutes (mean) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (modes, kl) in PUBLISHED.items():
        lines.append(f"| {name} (published) | {modes:g} | {kl:g} | | | | |")
    for row in rows:
        lines.append(
            f"| {row['config']} | {row['modes_mean']:.1f} ± {row['modes_std']:.1f} | {row['kl_mean']:.3f} ± "
            f"{row['kl_std']:.3f} | {_split(row)} | {row['modes_min']}, {row['kl_max']:.3f} | {row['steps']} | "
            f"{row['loop_min_mean']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def write_report(
    out: Path,
    results: Sequence[RunResult],
    steps: Mapping[str, int],
    per_step: Mapping[str, float],
    budget_min: float | None,
) -> str:
    """Write OUT.json and OUT.md (each replaced whole, so a reader never sees half a report)."""
    order = {name: i for i, name in enumerate(CONFIGS)}
    results = sorted(results, key=lambda r: (order.get(r.config, len(order)), r.seed))
    rows = summarise(results)
    report = {
        "machine": machine(),
        "budget_min": budget_min,  # None: --steps set the steps, no budget
        "samples": SAMPLES,
        "configs": {name: asdict(config) for name, config in CONFIGS.items() if name in steps},
        "seconds_per_step": dict(per_step),
        "steps": dict(steps),
        "published": PUBLISHED,
        "summary": rows,
        "runs": [asdict(r) for r in results],
    }
    table = markdown(rows)
    write_report_files(out, json.dumps(report, indent=2) + "\n", table)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget-min", type=float, default=DEFAULT_BUDGET_MIN, help="training minutes per run")
    parser.add_argument("--steps", type=int, default=None, help="every config's steps, no calibration (smoke tests)")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="generated samples per evaluation")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    parser.add_argument("--append", action="store_true", help="keep OUT.json's runs and step counts; skip its runs")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the run directories here")
    args = parser.parse_args(argv)
    if args.budget_min <= 0 or (args.steps is not None and args.steps <= 0) or args.samples <= 0:
        parser.error("--budget-min, --steps and --samples must be positive")

    table = run_at_budget(
        args.out,
        {name: CONFIGS[name] for name in args.configs},
        args.seeds,
        budget_min=args.budget_min,
        steps_given=args.steps,
        append=args.append,
        work_dir=args.work_dir,
        run_type=RunResult,
        calibrate=calibrate,
        calibration_steps=CALIBRATION_STEPS,
        run_one=run_one,
        run_extra=(args.samples,),
        describe=lambda result: f"{result.modes} modes, KL {result.kl:.3f}",
        resolve=_resolved,
        write_report=lambda *report: write_report(args.out, *report),
    )
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
