"""What the benchmark scripts share: a median with its range, a description of the machine, and the
driver that trains configs over seeds at one wall-clock budget (``run_at_budget``).

A figure without the machine it ran on cannot be compared, so every script records the same fields.
The scripts import this module by name: Python puts a script's own folder on ``sys.path``.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Spread:
    """The median of repeated measurements with their range: one slow spell shows in the range, not
    in the median."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def cpu_model() -> str:
    """The processor's marketing name where Linux tells it, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(**versions: str) -> dict[str, Any]:
    """Python, torch's thread count, the CPU, the platform and the load when the benchmark starts,
    plus the package ``versions`` the caller names."""
    import torch

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        **versions,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
    }
    if hasattr(os, "getloadavg"):
        env["load_average_start"] = [round(v, 2) for v in os.getloadavg()]
    return env


def seconds_per_step(
    variant: str, flags: dict[str, Any], settings: Sequence[str], out: Path, steps: int = 60, skip: int = 20
) -> float:
    """Train ``variant`` for ``steps`` steps as ``gan train`` would (``settings`` in ``--set`` style,
    ``train.``/``model.`` qualified) and return the seconds per step between step ``skip`` and the last,
    read from the run's log: start-up, the first batches and the allocator's warm-up are excluded."""
    from gan_core import GanTrainer, RunDir, create_registry, resolve_config

    if not 0 < skip < steps:
        raise ValueError(f"need 0 < skip < steps, got skip={skip}, steps={steps}")
    registry = create_registry()
    quiet = ["train.progress=false", "train.sample_every=0", "train.checkpoint_every=0", f"train.log_every={skip}"]
    if steps % skip:
        raise ValueError(f"steps ({steps}) must be a multiple of skip ({skip}), the log's period")
    config = resolve_config(registry.variant(variant), flags={**flags, "steps": steps}, overrides=[*quiet, *settings])
    GanTrainer(registry.variant(variant), config, out, registry=registry).fit()
    elapsed = {row["step"]: row["elapsed_s"] for row in RunDir(out).read_log() if "elapsed_s" in row}
    return (elapsed[steps] - elapsed[skip]) / (steps - skip)


def gan_command() -> list[str]:
    """The ``gan`` command of this interpreter's environment, as a user runs it."""
    import sys

    found = Path(sys.executable).with_name("gan")
    return [str(found)] if found.exists() else [sys.executable, "-m", "gan_core.cli"]


def steps_per_second(run_dir: Path, steps: int) -> float:
    """Training speed of a finished run, from its ``log.jsonl``: steps per second between the first log
    line at or after a third of the run and the last one (start-up and data loading excluded)."""
    import json

    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    timed = [r for r in records if "elapsed_s" in r and "step" in r]
    first = next(r for r in timed if r["step"] >= steps // 3)
    last = timed[-1]
    if last["step"] <= first["step"]:
        raise RuntimeError(f"{run_dir}: too few log lines to time (raise the number of steps)")
    return (last["step"] - first["step"]) / (last["elapsed_s"] - first["elapsed_s"])


def emit(report: dict[str, Any], path: Path | None) -> None:
    """Print the report as JSON (what a caller pipes on) and, if ``path`` is given, write it there too."""
    import json

    text = json.dumps(report, indent=2)
    print(text)
    if path is not None:
        path.write_text(text + "\n")


def train_timed(variant: str, flags: dict[str, Any], settings: Sequence[str], out: Path) -> tuple[float, float]:
    """Train ``variant`` as ``gan train`` would (``flags`` as its command-line flags, ``settings`` in
    ``--set`` style) into ``out``; return the seconds of the whole call (setup, loop and the final
    checkpoint) and of the training loop alone."""
    import time

    from gan_core import GanTrainer, create_registry, resolve_config

    registry = create_registry()
    chosen = registry.variant(variant)
    config = resolve_config(chosen, flags=flags, overrides=list(settings))
    started = time.perf_counter()
    result = GanTrainer(chosen, config, out, registry=registry).fit()
    return time.perf_counter() - started, result.loop_seconds


def exit_with_parent() -> None:
    """A process pool's initializer: end the worker as soon as the process that started it dies.

    A killed benchmark otherwise leaves its spawned worker training to the end of its run, on the cores
    the next run is timed on (with one busy process beside it, a run here goes many times slower). The
    watch is a thread blocked on the parent's sentinel, which the operating system closes when the parent
    exits, however it exits: no polling, nothing platform-specific."""
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:  # not a child of multiprocessing: nothing to watch
        return

    def watch() -> None:
        parent.join()  # a parent process's join waits on its sentinel
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def in_own_process(function: Any, *args: Any) -> Any:
    """Run ``function(*args)`` in a fresh process: every run starts from the same interpreter state, and
    a budget in seconds is not spent on what an earlier run left behind. The process ends with its
    parent (:func:`exit_with_parent`)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=exit_with_parent) as pool:
        return pool.submit(function, *args).result()


def report_path(out: Path, suffix: str) -> Path:
    """``OUT`` with ``suffix`` appended: ``--out results/gamma0.1`` writes ``gamma0.1.json``, where
    ``Path.with_suffix`` took ``.1`` for a suffix and wrote ``gamma0.json`` over another report's name.
    An ``OUT`` that already ends in ``.json`` or ``.md`` has that ending swapped."""
    base = out.with_suffix("") if out.suffix in (".json", ".md") else out
    return base.with_name(base.name + suffix)


def write_replacing(files: dict[Path, str]) -> None:
    """Write each file whole through a ``.partial`` sibling, so a reader never sees half a report."""
    for target, text in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text)
        partial.replace(target)


def write_report_files(out: Path, record: str, table: str) -> None:
    """A benchmark's report: ``OUT.json`` (the record, serialised) and ``OUT.md`` (its table), each
    written whole (:func:`write_replacing`) under :func:`report_path`'s names."""
    write_replacing({report_path(out, ".json"): record, report_path(out, ".md"): table})


def load_budget_report(path: Path, run_type: Any) -> tuple[list[Any], dict[str, int], dict[str, float]]:
    """The runs (as ``run_type``), step counts and calibrations of an earlier report of a benchmark at a
    wall-clock budget, for ``--append``; nothing where there is no report yet."""
    import json

    if not path.exists():
        return [], {}, {}
    report = json.loads(path.read_text())
    runs = [run_type(**run) for run in report["runs"]]
    return runs, dict(report.get("steps", {})), dict(report.get("seconds_per_step", {}))


def resolved_settings(variant: str, flags: Mapping[str, Any], settings: Sequence[str]) -> dict[str, Any]:
    """What a run of ``variant`` with these ``gan train`` flags and ``--set`` settings is made with: its
    resolved config as ``section.field`` keys, with the values as a report's JSON reads them back. The
    seed and the steps are left out, since a report's runs differ in them by design.

    Recorded with every run of a budget benchmark, so that ``--append`` can tell when a config's name
    has come to mean other settings (a variant's defaults changed since the report) and refuse to put
    runs of the two under one name."""
    import json

    import attrs

    from gan_core import create_registry, resolve_config

    resolved = resolve_config(create_registry().variant(variant), flags=dict(flags), overrides=list(settings))
    record = attrs.asdict(resolved)
    flat = {f"{section}.{key}": value for section in ("train", "model") for key, value in record[section].items()}
    del flat["train.seed"], flat["train.steps"]
    return json.loads(json.dumps(flat))


def refuse_changed_configs(
    results: Sequence[Any], configs: Mapping[str, Any], resolve: Callable[[Any], dict[str, Any]]
) -> None:
    """Exit with status 2 and a one-line message when a config's runs in a report were made with other
    settings than the config resolves to now. Runs from before the record (``resolved`` None) and
    settings added since a run (which it could not record) are not compared."""
    import sys

    for name, config in configs.items():
        recorded = [r.resolved for r in results if r.config == name and getattr(r, "resolved", None) is not None]
        if not recorded:
            continue
        now = resolve(config)
        for before in recorded:
            changed = sorted(key for key in before.keys() & now.keys() if before[key] != now[key])
            if changed:
                key = changed[0]
                print(
                    f"--append: config {name!r}: the report's runs were made with {key}={before[key]!r}, and it "
                    f"resolves to {key}={now[key]!r} now ({len(changed)} setting(s) differ); "
                    "write its new runs to another --out",
                    file=sys.stderr,
                )
                raise SystemExit(2)


def run_at_budget(
    out: Path,
    configs: Mapping[str, Any],
    seeds: Sequence[int],
    *,
    budget_min: float,
    steps_given: int | None,
    append: bool,
    work_dir: Path | None,
    run_type: Any,
    calibrate: Callable[[Any, str], float],
    calibration_steps: int,
    run_one: Callable[..., Any],
    run_extra: tuple[Any, ...],
    describe: Callable[[Any], str],
    write_report: Callable[[list[Any], dict[str, int], dict[str, float], float | None], str],
    resolve: Callable[[Any], dict[str, Any]],
) -> str:
    """Train every config in ``configs`` for each seed at one wall-clock budget, each run in its own
    process, writing the report after every run so that a stopped benchmark keeps what it measured.

    A config's steps are the budget over its calibrated time per step (calibrated once; ``--append``
    reuses an earlier report's steps, calibrations and runs), or ``steps_given`` for every config, in
    which case the report names no budget. ``run_one(config, seed, steps, work_dir, *run_extra)`` and
    ``calibrate(config, work_dir)`` run in fresh processes, so both must be module-level functions.
    ``resolve(config)`` gives what a config's runs are made with (``resolved_settings``); ``--append``
    refuses a report whose runs of a config were made with other settings. Returns the last report's
    table.
    """
    import math
    import sys
    import tempfile

    # a report names the budget only when the budget chose the steps
    named_budget = None if steps_given is not None else budget_min
    results, steps, per_step = load_budget_report(report_path(out, ".json"), run_type) if append else ([], {}, {})
    refuse_changed_configs(results, configs, resolve)
    done = {(r.config, r.seed) for r in results}
    with tempfile.TemporaryDirectory() as tmp:
        work = str(work_dir or tmp)
        for name, config in configs.items():
            if steps_given is not None:
                steps[name] = steps_given
            elif name not in steps:
                per_step[name] = in_own_process(calibrate, config, work)
                steps[name] = max(calibration_steps, math.floor(budget_min * 60 / per_step[name]))
                print(f"{name}: {1000 * per_step[name]:.0f} ms/step -> {steps[name]} steps", file=sys.stderr)
            for seed in seeds:
                if (name, seed) in done:
                    continue
                result = in_own_process(run_one, config, seed, steps[name], work, *run_extra)
                results.append(result)
                print(f"{name} seed {seed}: {describe(result)}, {result.loop_s / 60:.1f} min", file=sys.stderr)
                write_report(results, steps, per_step, named_budget)
    return write_report(results, steps, per_step, named_budget)
