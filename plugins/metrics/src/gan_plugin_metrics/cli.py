"""``gan eval RUN_DIR``: measure a trained run, print a table and write ``metrics.json`` beside it."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path

from gan_core import CommandSpec
from gan_plugin_metrics._names import AUTO, DEFAULT_METRICS, DEFAULT_RESIZE, METRICS, POINT_METRICS, RESIZE_MODES
from gan_plugin_metrics.plugin import EVAL_HELP


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a directory written by 'gan train'")
    parser.add_argument(
        "--metrics",
        help="comma-separated names of registered metrics ('gan plugins' lists them; PLUGIN:NAME where a name "
        f"is ambiguous): {', '.join(METRICS)}, {', '.join(POINT_METRICS)} or a third party's "
        f"(default on images: those of {','.join(DEFAULT_METRICS)} that the extractor supports; "
        f"on points: {','.join(POINT_METRICS)})",
    )
    parser.add_argument(
        "--features",
        default=AUTO,
        help="feature extractor: inception-fid, digits, inception-fid-helper or another registered one; "
        "auto (default): digits for grayscale images up to 32x32, else inception-fid",
    )
    parser.add_argument(
        "--n",
        "--num-samples",
        dest="n",
        type=int,
        default=5000,
        help="generated samples, and real ones (default 5000); under torchrun write --num-samples, since "
        "torchrun's own parser takes --n for an abbreviation of its --nnodes",
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--batch-size", type=int, default=200, help="samples per generator/extractor batch")
    parser.add_argument(
        "--resize",
        default=DEFAULT_RESIZE,
        help=f"how images reach the extractor's input size: {' or '.join(RESIZE_MODES)} (default {DEFAULT_RESIZE})",
    )
    parser.add_argument(
        "--cache-dir", type=Path, help="real-data statistics cache (default $GAN_METRICS_CACHE or ~/.cache/gan/metrics)"
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write cached real statistics")
    parser.add_argument("--weights", type=Path, help="the extractor's weights file instead of its default")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: the accelerator if any, else cpu)")


def _run(args: Namespace) -> int:
    from gan_plugin_metrics.evaluation.metrics import format_table
    from gan_plugin_metrics.evaluation.run import evaluate_run

    evaluation = evaluate_run(
        args.run_dir,
        metrics=args.metrics,
        features=args.features,
        n=args.n,
        seed=args.seed,
        batch_size=args.batch_size,
        resize=args.resize,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        weights=args.weights,
        device=args.device,
        registry=args.registry,
    )
    if evaluation.path is None:  # not the main process under a launcher: one table is enough
        return 0
    record = evaluation.record
    if "measure" in record:  # measured by the variant's own evaluate (DTN: transfer accuracy)
        print(f"{record['variant']} on {record['dataset']}, {record['checkpoint']}: {record['measure']}")
        print(format_table(evaluation.metrics))
        print(f"wrote {evaluation.path} in {record['wall_s']:.1f} s", file=sys.stderr)
        return 0
    header = f"{record['variant']} on {record['dataset']}, {record['checkpoint']}: {record['n']} generated vs "
    header += f"{record['n_real']} real samples"
    if "features" in record:
        features = record["features"]
        header += f", features {features['name']} ({features['feature_dim']}-d, resize {record['resize']})"
    print(f"{header}, seed {record['seed']}")
    print(format_table(evaluation.metrics))
    cache = record.get("real_statistics")
    real = "" if cache is None else f"real statistics {'cached' if cache['cache_hit'] else 'computed'}; "
    print(f"{real}wrote {evaluation.path} in {record['wall_s']:.1f} s", file=sys.stderr)
    return 0


EVAL_COMMAND = CommandSpec(
    "eval",
    EVAL_HELP,
    _arguments,
    _run,
    description="Generate samples from RUN_DIR's latest checkpoint, compare them (or their features) with the "
    "run's data set's, print the metrics and write them to RUN_DIR/metrics.json.",
)
