"""The core's own subcommands: ``gan plugins``, ``gan train`` and ``gan sample``."""

from __future__ import annotations

import json
import os
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError, Namespace
from pathlib import Path

from gan_core._config import read_toml, resolve_config
from gan_core._records import CommandSpec
from gan_core._registry import PluginReport, Registry
from gan_core._rundir import RunDir
from gan_core.errors import ConfigError, RunDirectoryError


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
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")


def _train_run(args: Namespace) -> int:
    from gan_core._training.logs import format_scalar
    from gan_core._training.trainer import GanTrainer

    registry = _registry(args)
    qualified = registry.variants.qualify(args.variant)
    variant = registry.variants[qualified]
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume", "needs --out RUN_DIR, the run to continue")
        changed = [
            flag
            for flag, value in (("--dataset", args.dataset), ("--seed", args.seed), ("--config", args.config))
            if value is not None
        ]
        if changed or args.overrides:
            got = ", ".join(changed or ["--set"])
            raise ConfigError("--resume", f"a resumed run keeps its configuration; only --steps may change (got {got})")
        run = RunDir(args.out)
        if not run.config_file.exists():
            raise RunDirectoryError(f"--resume: {args.out} holds no run ({run.CONFIG} is missing)")
        config = resolve_config(
            variant, file_data=run.read_config_data(), flags={"steps": args.steps}, qualified_name=qualified
        )
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
    return 0


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


def _sample_run(args: Namespace) -> int:
    from gan_core._inference import generate
    from gan_core._rundir import load_run
    from gan_core._sample_files import check_sample_path, save_samples

    if args.n <= 0:
        raise ConfigError("--n", f"must be > 0, got {args.n}")
    check_sample_path(args.out)  # before the generator is loaded
    registry = _registry(args)
    run = load_run(args.run_dir, registry, average=not args.live)
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
    shown = drawn.x if run.inputs.paired else None
    path = save_samples(samples, run.data_info, args.out, inputs=shown, input_info=run.inputs.input_info(run.data_info))
    which = "the weights' moving average in " if run.averaged else ""
    print(f"wrote {args.n} samples {tuple(samples.shape[1:])} from {which}{run.checkpoint} to {path}", file=sys.stderr)
    return 0


CORE_COMMANDS = (
    CommandSpec(
        "plugins", "list installed plugins, their versions and what they register", _plugins_arguments, _plugins_run
    ),
    CommandSpec("train", "train a GAN variant", _train_arguments, _train_run),
    CommandSpec("sample", "draw samples from a trained run", _sample_arguments, _sample_run),
)
