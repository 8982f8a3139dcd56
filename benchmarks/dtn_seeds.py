"""DTN over seeds on one source -> target pair: the full model, its three ablations and the source-only
baseline, with the final accuracy, the checkpoint that reverse validation picks, and how well it picks.

For every (config, seed) this trains ``gan train dtn`` (the plugin's defaults, 400 steps, plus the
config's settings) in its own process with one torch thread, ``--jobs`` at a time, keeping a checkpoint
every 50 steps; a run directory that already holds its last checkpoint is reused. Then it scores each
run's checkpoints twice: transfer accuracy (the paper's measure, which reads target labels through the
evaluation classifier) and reverse validation (``gan_plugin_dtn.select_checkpoint``, source labels
only; at every ``--select-every`` steps, about 40 s per checkpoint in one thread), and reports the
final accuracy, the accuracy of the checkpoint reverse validation picks, the best checkpoint's, and
the Spearman rank correlation between the two scores over the scored checkpoints.

The source-only baseline is f's own reading of the target digits DTN trains on (``gan dtn-pretrain source
--target``), for f pretrained with each seed: what the target looks like to f with no transfer at all.

Run from the repository root, after ``gan dtn-pretrain target`` and ``gan dtn-pretrain source --dataset
SOURCE`` (the f and evaluation classifier the runs read)::

    python benchmarks/dtn_seeds.py --source house-digits --runs runs/dtn-house --select-every 100 \
        --out benchmarks/results/dtn_house
    python benchmarks/dtn_seeds.py --source rendered-digits --configs full --seeds 0 1 --runs /tmp/r --out /tmp/r

Only public pieces are used: the ``gan`` command, ``gan_plugin_dtn``'s ``evaluate_checkpoints`` and
``select_checkpoint``, scipy's ``spearmanr`` and the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from _common import exit_with_parent, gan_command, machine, write_report_files

#: each config's settings on top of the defaults: the paper's three ablations (Taigman et al. 2017, Table 1)
CONFIGS: dict[str, list[str]] = {
    "full": [],
    "no-const": ["alpha=0"],
    "no-tid": ["beta=0"],
    "no-d": ["adversarial=false"],
}
#: what every run adds to `gan train dtn`'s defaults: evaluations and checkpoints to choose among, one thread
COMMON = [
    "eval_every=25",
    "threads=1",
    "adaptive_threads=false",
    "progress=false",
    "checkpoint_every=50",
    "keep_checkpoints=100",
]
STEPS = 400  # the plugin's default


def train_command(source: str, config: str, seed: int, run_dir: Path, extra: Sequence[str] = ()) -> list[str]:
    settings = [f"source={source}", *COMMON, *extra, *CONFIGS[config]]
    command = [*gan_command(), "train", "dtn", "--seed", str(seed), "--out", str(run_dir)]
    for setting in settings:
        command += ["--set", setting]
    return command


def _finished(run_dir: Path) -> bool:
    return (run_dir / "checkpoints" / f"step_{STEPS:08d}").is_dir()


def training_seconds(run_dir: Path) -> float:
    """The run's own clock at its last log line (``elapsed_s``): training time, without start-up."""
    lines = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    return max(line["elapsed_s"] for line in lines if "elapsed_s" in line)


def train(source: str, config: str, seed: int, run_dir: Path, extra: Sequence[str] = ()) -> float:
    """Train one run (unless it finished before); the wall-clock seconds it took, 0 when reused."""
    if _finished(run_dir):
        return 0.0
    started = time.perf_counter()
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    with (run_dir.parent / f"{run_dir.name}.log").open("w") as log:
        subprocess.run(
            train_command(source, config, seed, run_dir, extra), check=True, stdout=log, stderr=log, env=environment
        )
    return time.perf_counter() - started


def score(run_dir: Path, select_every: int) -> dict[str, Any]:
    """Transfer accuracy at every kept checkpoint, and reverse validation at every ``select_every``
    steps of them (0: none), in one torch thread."""
    import torch
    from scipy.stats import spearmanr

    from gan_plugin_dtn import evaluate_checkpoints, select_checkpoint

    torch.set_num_threads(1)
    accuracy = evaluate_checkpoints(run_dir)
    result: dict[str, Any] = {
        "accuracy": {str(step): value for step, value in sorted(accuracy.items())},
        "final": accuracy[max(accuracy)],
        "best": max(accuracy.values()),
        "training_seconds": training_seconds(run_dir),
    }
    if select_every:
        steps = [step for step in sorted(accuracy) if step % select_every == 0]
        choice = select_checkpoint(run_dir, steps=steps)
        result["reverse"] = {str(step): choice.scores[step] for step in steps}
        result["chosen_step"] = choice.step
        result["chosen"] = accuracy[choice.step]
        result["best_scored"] = max(accuracy[step] for step in steps)
        result["spearman"] = float(spearmanr([accuracy[s] for s in steps], [choice.scores[s] for s in steps])[0])
    return result


def source_only(source: str, target: str, seed: int, out: Path) -> dict[str, float]:
    """f pretrained with ``seed`` (a weight file from an earlier run is reused): its held-out source
    accuracy and its reading of the target digits."""
    from gan_plugin_dtn.pretrain import read_metadata

    weights = out / f"f-{source}-seed{seed}.safetensors"
    if not weights.is_file() or read_metadata(weights).get("target") != target:  # else: pretrained before
        command = [*gan_command(), "dtn-pretrain", "source", "--dataset", source, "--target", target]
        subprocess.run([*command, "--seed", str(seed), "--out", str(weights)], check=True, capture_output=True)
    metadata = read_metadata(weights)
    return {"heldout": float(metadata["heldout_accuracy"]), "target": float(metadata["target_accuracy"])}


def _mean_std(values: list[float]) -> str:
    if len(values) < 2:
        return f"{100 * values[0]:.1f}" if values else ""
    return f"{100 * statistics.mean(values):.1f} ± {100 * statistics.stdev(values):.1f}"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"DTN on {report['source']} -> {report['target']}, seeds {report['seeds']}, {report['machine']['cpu_model']}",
        "",
        "| run | final accuracy | chosen by reverse validation | best checkpoint | Spearman (reverse, accuracy) |",
        "|---|---|---|---|---|",
    ]
    for config in report["configs"]:
        runs = [report["runs"][f"{config}-seed{seed}"] for seed in report["seeds"]]
        finals = [run["final"] for run in runs]
        chosen = [run["chosen"] for run in runs if "chosen" in run]
        best = [run["best"] for run in runs]
        rho = [run["spearman"] for run in runs if "spearman" in run]
        rho_text = f"{statistics.mean(rho):.2f} ({min(rho):.2f} to {max(rho):.2f})" if rho else ""
        lines.append(f"| {config} | {_mean_std(finals)} | {_mean_std(chosen)} | {_mean_std(best)} | {rho_text} |")
    if report.get("source_only"):
        readings = [entry["target"] for entry in report["source_only"].values()]
        lines.append(f"| source only (f's reading) | {_mean_std(readings)} | | | |")
    lines += ["", "| run | seed | final | chosen (step) | best | Spearman |", "|---|---|---|---|---|---|"]
    for name, run in report["runs"].items():
        config, _, seed = name.rpartition("-seed")
        chosen = f"{100 * run['chosen']:.1f} ({run['chosen_step']})" if "chosen" in run else ""
        rho = f"{run['spearman']:.2f}" if "spearman" in run else ""
        lines.append(f"| {config} | {seed} | {100 * run['final']:.1f} | {chosen} | {100 * run['best']:.1f} | {rho} |")
    for seed, entry in (report.get("source_only") or {}).items():
        lines.append(
            f"| source only | {seed} | {100 * entry['target']:.1f} | | | (f held-out: {100 * entry['heldout']:.1f}) |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="house-digits")
    parser.add_argument("--target", default="mnist-5k", help="the runs' target (the plugin's default)")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting added to every run (before the config's own), e.g. ema=0",
    )
    parser.add_argument("--jobs", type=int, default=2, help="runs trained or scored at once (one thread each)")
    parser.add_argument("--runs", type=Path, required=True, help="folder of the run directories (reused)")
    parser.add_argument(
        "--select-every",
        type=int,
        default=50,
        help="score the checkpoints at multiples of this step by reverse validation (the slow part; 0: none)",
    )
    parser.add_argument("--no-source-only", action="store_true", help="skip pretraining f per seed")
    parser.add_argument("--out", type=Path, required=True, help="report path without suffix (.json, .md)")
    args = parser.parse_args(argv)
    if args.target != "mnist-5k":
        parser.error("--target: the runs use the plugin's default target, mnist-5k")
    args.runs.mkdir(parents=True, exist_ok=True)
    names = [(config, seed) for config in args.configs for seed in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:  # each run is its own process; threads only wait
        durations = pool.map(
            lambda job: train(args.source, *job, args.runs / f"{job[0]}-seed{job[1]}", args.settings), names
        )
        seconds = dict(zip(names, durations, strict=True))
    report: dict[str, Any] = {
        "source": args.source,
        "target": args.target,
        "seeds": args.seeds,
        "configs": args.configs,
        "command": "python benchmarks/dtn_seeds.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "train_command": " ".join(train_command(args.source, "full", 0, args.runs / "full-seed0", args.settings)),
        "machine": machine(),
        "runs": {},
    }
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn"), initializer=exit_with_parent) as pool:
        scored = pool.map(score, [args.runs / f"{c}-seed{s}" for c, s in names], [args.select_every] * len(names))
        for (config, seed), entry in zip(names, scored, strict=True):
            entry["wall_seconds"] = seconds[config, seed] or None  # None: trained before, reused
            report["runs"][f"{config}-seed{seed}"] = entry
            print(f"{config} seed {seed}: final {100 * entry['final']:.1f}%", file=sys.stderr, flush=True)
    if not args.no_source_only:
        report["source_only"] = {str(s): source_only(args.source, args.target, s, args.runs) for s in args.seeds}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report_files(args.out, json.dumps(report, indent=2) + "\n", markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
