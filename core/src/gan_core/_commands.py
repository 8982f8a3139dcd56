"""The core's own subcommands: ``gan plugins``, ``gan config``, ``gan train``, ``gan sample`` and
``gan report``.

This module is imported to build the registry, for every ``gan`` command, ``--help`` included: it
imports torch (and the modules that do) only inside the commands that compute something.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError, Namespace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gan_core._config import SEED_MAX, RunConfig, read_toml, resolve_config
from gan_core._records import CommandSpec
from gan_core._registry import PluginReport, Registry
from gan_core.errors import CheckpointError, ConfigError, RunDirectoryError

if TYPE_CHECKING:
    from torch import Tensor

    from gan_core._rundir import RunDir, TrainedRun
    from gan_core._variant import Variant


def _registry(args: Namespace) -> Registry:
    """The registry the command line built and put in ``args``."""
    registry: Registry = args.registry
    return registry


# --- gan plugins -------------------------------------------------------------------------------


def _plugins_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


_PLURAL = {"loss": "losses"}


def _describe(report: PluginReport, registry: Registry) -> str:
    """One line per plugin; a name that another plugin registers too is shown as ``PLUGIN:NAME``, the
    form users must write, and skipped registrations follow on lines of their own."""
    head = f"{report.name} {report.version or '(unknown version)'}"
    if report.distribution:
        head += f" (from {report.distribution})"
    if not report.ok:
        return f"{head}  BROKEN, skipped: {report.error}"
    parts = []
    for kind, names in report.provides.items():
        shown = registry.table(kind).names()
        written = [name if name in shown else f"{report.name}:{name} (ambiguous)" for name in names]
        parts.append(f"{_PLURAL.get(kind, kind + 's')}: {', '.join(written)}")
    line = f"{head}  " + ("; ".join(parts) if parts else "(registers nothing)")
    return line + "".join(f"\n    not registered: {reason}" for reason in report.skipped)


def _plugins_run(args: Namespace) -> int:
    registry = _registry(args)
    if args.json:
        rows = [
            {
                "name": p.name,
                "version": p.version,
                "distribution": p.distribution,
                "builtin": p.builtin,
                "provides": {k: list(v) for k, v in p.provides.items()},
                "error": p.error,
                "skipped": list(p.skipped),
            }
            for p in registry.plugins
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for report in registry.plugins:
        print(_describe(report, registry))
    return 0


# --- gan config --------------------------------------------------------------------------------


def _config_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("variant", metavar="VARIANT", help="a registered variant (see 'gan plugins')")
    parser.add_argument(
        "--json", action="store_true", help="print JSON: name, section, default, type, allowed and help of each setting"
    )


def _config_run(args: Namespace) -> int:
    from gan_core._config_help import describe_settings, settings_to_data, settings_to_toml

    registry = _registry(args)
    qualified = registry.variants.qualify(args.variant)
    variant = registry.variants[qualified]
    config = resolve_config(variant, qualified_name=qualified)
    settings = describe_settings(config)
    name = variant.name if variant.name in registry.variants.names() else qualified  # bare while unambiguous
    if args.json:
        print(json.dumps(settings_to_data(config, settings, name=name), indent=2))
    else:
        sys.stdout.write(settings_to_toml(config, settings, name=name))
    return 0


# --- gan train ---------------------------------------------------------------------------------


def _train_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("variant", metavar="VARIANT", help="a registered variant (see 'gan plugins')")
    parser.add_argument("--dataset", help="a registered data set (default: the variant's, usually mnist-5k)")
    parser.add_argument("--steps", type=int, help="total generator updates; with --resume, the new total")
    parser.add_argument("--out", type=Path, help="run directory (default: runs/VARIANT-DATASET-TIME)")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--config", type=Path, help="a TOML file with [train] and [model] tables")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set model.lr=1e-4 or --set batch_size=128 (repeatable)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help=(
            "continue the run in --out from its last intact checkpoint; "
            "the flags that started it may be repeated, only --steps (and --set threads=N) may change"
        ),
    )


def _train_run(args: Namespace) -> int:
    from gan_core._rundir import RunDir
    from gan_core._training.logs import format_scalar
    from gan_core._training.trainer import GanTrainer

    registry = _registry(args)
    qualified = registry.variants.qualify(args.variant)
    variant = registry.variants[qualified]
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume", "needs --out RUN_DIR, the run to continue")
        run = RunDir(args.out)
        if not run.config_file.exists():
            raise RunDirectoryError(f"--resume: {args.out} holds no run ({run.CONFIG} is missing)")
        saved_data = run.read_run_config_data(variant)
        config = resolve_config(variant, file_data=saved_data, flags={"steps": args.steps}, qualified_name=qualified)
        _check_resume_agrees(args, variant, saved_data, config, run)
        if args.overrides:  # the speed-only settings that may change, e.g. --set threads=1 on a busy machine
            given = resolve_config(variant, file_data=saved_data, overrides=args.overrides, qualified_name=qualified)
            changed = {key: getattr(given.train, key) for key in _RESUME_MAY_CHANGE}
            config = attrs.evolve(config, train=attrs.evolve(config.train, **changed))
        out = args.out
    else:
        file_data = read_toml(args.config) if args.config is not None else None
        flags = {"dataset": args.dataset, "steps": args.steps, "seed": args.seed}
        config = resolve_config(
            variant, file_data=file_data, flags=flags, overrides=args.overrides, qualified_name=qualified
        )
        dataset = config.train.dataset.rpartition(":")[2]  # a folder name without the plugin's prefix
        out = args.out or Path("runs") / f"{variant.name}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    registry.dataset(config.train.dataset)  # an unknown name fails here, before any work
    result = GanTrainer(variant, config, out, registry=registry).fit(resume=args.resume)
    if int(os.environ.get("RANK", "0")) != 0:  # under a launcher, one summary line is enough
        return 0
    scalars = ", ".join(f"{k} {format_scalar(v)}" for k, v in result.last_scalars.items())
    print(f"trained {variant.name} to step {result.steps} ({scalars}); run directory: {result.out_dir}")
    if result.events:  # each was shown when it started; the list again, at the end, where it is read
        listed = "; ".join(f"{event.name} at step {event.step}" for event in result.events)
        print(
            f"gan: {len(result.events)} failure-mode event(s) during training: {listed} (details in log.jsonl)",
            file=sys.stderr,
        )
    return 0


def _check_resume_agrees(
    args: Namespace, variant: Variant, saved: dict[str, Any], config: RunConfig, run: RunDir
) -> None:
    """``--resume`` with the command line that started the run: flags, ``--set`` values and a
    ``--config`` file that repeat the saved settings are accepted; the first that changes one is
    refused, naming the setting, the saved value and the new one (only ``--steps`` and the
    settings of :data:`_RESUME_MAY_CHANGE` may change)."""
    sources: list[tuple[str, dict[str, Any]]] = []
    flags = {"dataset": args.dataset, "seed": args.seed}
    for flag, key in (("--dataset", "dataset"), ("--seed", "seed")):
        if flags[key] is not None:
            sources.append((flag, {"flags": {key: flags[key]}}))
    if args.overrides:
        sources.append(("--set", {"overrides": args.overrides}))
    if args.config is not None:
        sources.append(("--config", {"file_data": _deep_merge(saved, read_toml(args.config))}))
    expected = _flat(config)
    for flag, given in sources:
        candidate = resolve_config(
            variant,
            file_data=given.get("file_data", saved),
            flags={"steps": args.steps, **given.get("flags", {})},
            overrides=given.get("overrides", ()),
        )
        for key, value in _flat(candidate).items():
            if (
                key != "train.steps"
                and key.removeprefix("train.") not in _RESUME_MAY_CHANGE
                and value != expected.get(key)
            ):
                raise ConfigError(
                    "--resume",
                    f"{flag} gives {key} = {value!r}, but the run in {run.path} has {expected.get(key)!r}; "
                    "a resumed run keeps its configuration; only --steps and the thread settings may change",
                )


_RESUME_MAY_CHANGE = ("threads", "adaptive_threads")  # [train] settings that change the speed of a run, not its result


def _flat(config: RunConfig) -> dict[str, Any]:
    return {
        f"{section}.{key}": value
        for section in ("train", "model")
        for key, value in attrs.asdict(getattr(config, section), recurse=False).items()
    }


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


# --- gan sample --------------------------------------------------------------------------------


def _sample_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a directory written by 'gan train'")
    parser.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    parser.add_argument(
        "--out", type=Path, required=True, help="FILE.png (a grid or scatter plot) or FILE.npy (raw samples)"
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed; the same seed gives the same samples")
    parser.add_argument(
        "--live",
        action="store_true",
        help="sample the live generator, not the moving average of its weights that train.ema keeps",
    )
    parser.add_argument(
        "--label",
        type=_label_list,
        metavar="K[,K...]",
        help="classes to draw, for conditional variants: 7, or 0,1,2 for equal blocks of each (default: all in turn)",
    )


def _label_list(text: str) -> tuple[int, ...]:
    """``"7"`` or ``"0,1,2"``; argparse turns a bad one into a one-line usage error (exit code 2)."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ArgumentTypeError(f"class numbers separated by commas (7 or 0,1,2), got {text!r}") from None


#: more samples than one file can sensibly hold; beyond it torch's size arithmetic overflows with a
#: traceback before it can report that the memory is not there
MAX_SAMPLES = 2**31 - 1


def _check_sample_arguments(args: Namespace) -> None:
    """Everything about ``gan sample``'s arguments that can be refused before a generator is loaded."""
    if args.n <= 0:
        raise ConfigError("--n", f"must be > 0, got {args.n}")
    if args.n > MAX_SAMPLES:
        raise ConfigError("--n", f"must be at most {MAX_SAMPLES}, got {args.n}")
    if not 0 <= args.seed <= SEED_MAX:
        raise ConfigError("--seed", f"must be in [0, {SEED_MAX}], got {args.seed}")
    if args.label is not None and len(args.label) > args.n:
        raise ConfigError(
            "--label",
            f"names {len(args.label)} classes but --n asks for {args.n} samples; each class needs at least one "
            f"(use --n {len(args.label)} or more, or fewer classes)",
        )


def _available_memory() -> int | None:
    """Bytes of memory the kernel can give without swapping (Linux's ``MemAvailable``); ``None`` elsewhere."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_memory(n: int, run: TrainedRun) -> None:
    """Refuse an ``--n`` whose samples cannot fit, before drawing them: with overcommitted memory the
    allocation itself succeeds, and the kernel kills the process halfway instead of torch failing.

    A sample costs its input (noise or a source image) and, as float32, its output about three times
    over (the batches, their concatenation, a grid or array written from them).
    """
    available = _available_memory()
    if available is None:
        return
    info = run.data_info
    source = next(iter(info.extra.values()), None)
    inputs = run.latent_dim or (math.prod(source.shape) if source is not None else 0)
    needed = 4 * n * (inputs + 3 * math.prod(info.shape))
    if needed > available:
        raise ConfigError(
            "--n",
            f"out of memory: {n} samples need about {_gib(needed)} and {_gib(available)} is available; "
            "lower --n (several runs with other --seed values give more samples)",
        )


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def _refuse_non_finite(samples: Tensor, checkpoint: Path) -> None:
    """Samples with NaN or inf come from damaged or diverged weights: say so, and write nothing."""
    import torch

    bad = int((~torch.isfinite(samples)).flatten(1).any(dim=1).sum())
    if bad:
        raise CheckpointError(
            f"RUN_DIR: {bad} of {len(samples)} samples are not finite (NaN or inf): the generator in {checkpoint} "
            "is damaged or the run diverged before it was saved; nothing was written"
        )


def _sample_run(args: Namespace) -> int:
    from gan_core._inference import generate
    from gan_core._rundir import load_run
    from gan_core._sample_files import check_sample_path, save_samples
    from gan_core._threads import choose_threads

    _check_sample_arguments(args)
    check_sample_path(args.out)  # before the generator is loaded
    registry = _registry(args)
    run = load_run(args.run_dir, registry, average=not args.live)
    choose_threads(run.config.train.threads, adaptive=run.config.train.adaptive_threads)
    _check_memory(args.n, run)
    if args.label is not None:
        classes = run.data_info.num_classes if run.variant.conditional else None
        if classes is None:
            raise ConfigError("--label", f"{run.variant.name} is unconditional; --label needs a conditional variant")
        outside = [label for label in args.label if not 0 <= label < classes]
        if outside:
            raise ConfigError("--label", f"must be in [0, {classes - 1}], got {outside[0]}")
    data = run.variant.load_training_data(run.config, registry) if run.inputs.needs_data else None
    drawn = run.inputs.fixed(args.n, args.seed, data, args.label)
    samples = generate(run.generator, drawn.x, drawn.y)
    _refuse_non_finite(samples, run.checkpoint)
    shown = drawn.x if run.inputs.paired else None
    path = save_samples(samples, run.data_info, args.out, inputs=shown, input_info=run.inputs.input_info(run.data_info))
    which = "the weights' moving average in " if run.averaged else ""
    print(f"wrote {args.n} samples {tuple(samples.shape[1:])} from {which}{run.checkpoint} to {path}", file=sys.stderr)
    return 0


def _report_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a directory written by 'gan train'")
    parser.add_argument("--out", type=Path, help="folder for report.html and its PNG figures (default RUN_DIR/report)")


def _report_run(args: Namespace) -> int:
    from gan_core._report import write_report

    report = write_report(args.run_dir, args.out)
    print(
        f"wrote {report.page} ({len(report.figures)} figures, {report.grids} sample grids, "
        f"{report.events} events; one file, opens with no network)",
        file=sys.stderr,
    )
    return 0


CORE_COMMANDS = (
    CommandSpec(
        "plugins", "list installed plugins, their versions and what they register", _plugins_arguments, _plugins_run
    ),
    CommandSpec(
        "config",
        "print every setting of a variant with its default, type, allowed values and meaning, as a TOML file",
        _config_arguments,
        _config_run,
        description=(
            "Print every setting of [train] and [model] at VARIANT's defaults (its own train defaults included), "
            "each under a '# meaning (type; allowed values)' comment. The output is a config file: "
            "'gan config VARIANT > my.toml' then 'gan train VARIANT --config my.toml' runs the default recipe; "
            "edit or delete keys to change it."
        ),
    ),
    CommandSpec("train", "train a GAN variant", _train_arguments, _train_run),
    CommandSpec("sample", "draw samples from a trained run", _sample_arguments, _sample_run),
    CommandSpec(
        "report",
        "write a self-contained HTML report of a run: events, losses, probes, samples, settings, metrics",
        _report_arguments,
        _report_run,
        description=(
            "Write RUN_DIR/report/report.html (one file: figures embedded, no script, opens with no network) "
            "and its PNG figures: the failure-mode events with what to try, the loss curves and every probe "
            "against the step with the events marked, the sample grids over time, the metrics of 'gan eval' "
            "and the run's settings. Works on a finished, interrupted or running run."
        ),
    ),
)
