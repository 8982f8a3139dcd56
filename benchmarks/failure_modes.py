"""Do the failure-mode detectors fire where they should, and stay quiet where training is healthy?

Two kinds of runs, each through the ``gan`` command as a user types it:

- the **reproduction recipes** (docs/theory/failure-modes.md): a setting that shows one failure
  mode, beside the same setting with the remedy, each with the event expected (or none);
- the **healthy defaults**: every variant's documented default recipe (``gan train VARIANT``), where
  no event should fire (a false alarm if one does).

Every run's ``log.jsonl`` is then read back through the current detectors (``gan_core._monitor``),
so the table below always reflects the code, and ``--replay DIR`` re-scores the runs of an earlier
invocation without training again. The table: recipe, expected event, the events that fired and
the step each started at.

Run from the repository root (alone: the healthy defaults take about 40 minutes on two cores)::

    python benchmarks/failure_modes.py --out runs/failure-modes --json failure-modes.json
    python benchmarks/failure_modes.py --only recipes --out runs/fm        # the recipes only, ~5 min
    python benchmarks/failure_modes.py --replay runs/failure-modes         # re-score, no training
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import emit, gan_command, machine


@dataclass(frozen=True)
class Recipe:
    name: str
    argv: tuple[str, ...]
    expected: str | None  # the event that should fire; None: none should
    kind: str  # "recipe" or "default"
    why: str = ""
    setup: tuple[tuple[str, ...], ...] = ()  # gan commands to run first


_SMALL_MLP = ("--set", "g_hidden=[128, 128]", "--set", "d_hidden=[128, 128]", "--set", "dropout=0")
_HEAD_START = ("--steps", "800", "--set", "d_lr=0.001", "--set", "d_steps=3")
RECIPES = (
    Recipe(
        "vanishing: minimax, D given a head start",
        ("vanilla", *_HEAD_START, "--set", "loss=minimax"),
        "vanishing_gradient",
        "recipe",
        "mnist-5k, D at 5x the learning rate and 3 updates per generator update",
    ),
    Recipe(
        "  the same, non-saturating loss",
        ("vanilla", *_HEAD_START, "--set", "loss=non-saturating"),
        None,
        "recipe",
        "no vanishing_gradient expected (discriminator_overpowering may fire: D still wins)",
    ),
    Recipe(
        "mode collapse: vanilla on grid25, a fast G against a slow D",
        (
            "vanilla",
            "--dataset",
            "grid25",
            "--steps",
            "2000",
            *_SMALL_MLP,
            "--set",
            "lr=0.001",
            "--set",
            "d_lr=0.00001",
        ),
        "mode_collapse",
        "recipe",
        "the generator at 5x the default learning rate, the discriminator at 1/20 of it",
    ),
    Recipe(
        "  the same data, WGAN-GP (its defaults)",
        ("wgan", "--dataset", "grid25"),
        None,
        "recipe",
    ),
    Recipe("oscillation: the Dirac-GAN, simultaneous steps", ("dirac-gan",), "oscillation", "recipe"),
    Recipe("  the Dirac-GAN with a zero-centred penalty (r1 = 1)", ("dirac-gan", "--set", "r1=1"), None, "recipe"),
    Recipe(
        "divergence: an absurd learning rate (lr = 10)",
        ("vanilla", "--dataset", "ring8", "--steps", "300", "--set", "lr=10"),
        "divergence",
        "recipe",
    ),
    Recipe("default: vanilla", ("vanilla",), None, "default"),
    Recipe("default: dcgan", ("dcgan",), None, "default"),
    Recipe("default: cgan", ("cgan",), None, "default"),
    Recipe("default: wgan (gp)", ("wgan",), None, "default"),
    Recipe("default: wgan (clip)", ("wgan", "--set", "constraint=clip"), None, "default"),
    Recipe(
        "default: dtn",
        ("dtn",),
        None,
        "default",
        "f and the evaluation classifier first: gan dtn-pretrain source, gan dtn-pretrain target",
        (("dtn-pretrain", "source"), ("dtn-pretrain", "target")),
    ),
)


def _folder(recipe: Recipe) -> str:
    return "".join(c if c.isalnum() else "-" for c in recipe.name.strip().lower()).strip("-")


def train(recipe: Recipe, out: Path) -> dict[str, Any]:
    """Run one recipe into ``out`` (skipped when it already holds a finished run)."""
    if (out / "log.jsonl").exists() and any((out / "checkpoints").glob("step_*")):
        return {"status": "reused"}
    command = [*gan_command(), "train", *recipe.argv, "--out", str(out), "--set", "progress=false"]
    started = time.perf_counter()
    for setup in recipe.setup:
        subprocess.run([*gan_command(), *setup], check=True, capture_output=True)
    done = subprocess.run(command, capture_output=True, text=True)
    status = "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
    return {"status": status, "seconds": round(time.perf_counter() - started, 1)}


def score(out: Path) -> list[dict[str, Any]]:
    """The events the current detectors start on ``out``'s log (the run's game is rebuilt, untrained,
    to learn whether its loss reports probabilities, as the trainer's monitor does)."""
    from gan_core import RunDir, create_registry
    from gan_core._monitor import Monitor, default_detectors, scores_are_probabilities
    from gan_core._toolkit import make_game

    registry = create_registry()
    run = RunDir(out)
    variant, config = run.load_config(registry)
    game = make_game(variant, config, run.read_data_info(), registry)
    monitor = Monitor(
        default_detectors(config.train.steps), scores_are_probabilities(game.loss), config.train.log_every
    )
    started = [{"step": e.step, "event": e.name, "detail": e.detail} for e in monitor.replay(run.read_log())]
    return started


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table for docs/theory/failure-modes.md."""
    lines = ["| run | command | expected | fired (step it started) | as expected |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        fired = ", ".join(f"`{e['event']}` ({e['step']})" for e in row["events"]) or "none"
        verdict = {True: "yes", False: "**no**", None: "not run"}[row["as_expected"]]
        expected = f"`{row['expected']}`" if row["expected"] else "none"
        lines.append(f"| {row['recipe'].strip()} | `{row['command']}` | {expected} | {fired} | {verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/failure-modes"), help="where the runs go")
    parser.add_argument("--only", choices=("recipes", "defaults"), help="run one kind only")
    parser.add_argument("--match", default="", help="run only the recipes whose name contains this")
    parser.add_argument("--replay", type=Path, help="re-score the runs under this folder; train nothing")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    root = args.replay or args.out
    rows = []
    for recipe in RECIPES:
        if (args.only and recipe.kind != args.only.rstrip("s")) or args.match.lower() not in recipe.name.lower():
            continue
        out = root / _folder(recipe)
        run = (
            {"status": "replayed" if (out / "log.jsonl").exists() else "missing"} if args.replay else train(recipe, out)
        )
        events = score(out) if (out / "log.jsonl").exists() else []
        names = [e["event"] for e in events]
        # a recipe expects its event; a remedy and a default expect none (the non-saturating remedy only
        # no vanishing_gradient: its discriminator still wins, which may be reported)
        if run["status"] not in ("ok", "reused", "replayed"):
            passed = False  # a run that failed proves nothing either way
        elif recipe.expected is not None:
            passed = recipe.expected in names
        elif "non-saturating" in recipe.name:
            passed = "vanishing_gradient" not in names
        else:
            passed = not names
        rows.append(
            {
                "recipe": recipe.name,
                "command": "gan train " + " ".join(recipe.argv),
                "expected": recipe.expected,
                "events": events,
                "run": run,
                "as_expected": passed if (out / "log.jsonl").exists() else None,
                "note": recipe.why,
            }
        )
        fired = ", ".join(f"{e['event']} (step {e['step']})" for e in events) or "none"
        print(f"{recipe.name:52s} expected {recipe.expected or 'none':20s} fired {fired}  [{run['status']}]",
              file=sys.stderr)  # fmt: skip
    report = {"benchmark": "failure_modes", "machine": machine(), "rows": rows}
    print(markdown(rows), file=sys.stderr)
    emit(report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
