"""``gan dtn-pretrain`` (f and the evaluation classifier) and ``gan transfer`` (your own images).

Imported for `gan dtn-pretrain --help` and `gan transfer --help`: torch and the networks are imported
inside the commands, when they run."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from gan_core import CommandSpec, ConfigError, Registry, RunDirectoryError, TrainConfig
from gan_plugin_dtn.config import DTNConfig
from gan_plugin_dtn.plugin import COMMAND_HELP

if TYPE_CHECKING:
    from torch import Tensor

_DEFAULT_DATASET = {"source": DTNConfig().source, "target": DTNConfig().target}


# --- gan dtn-pretrain ----------------------------------------------------------------------------


def _pretrain_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "role",
        choices=("source", "target"),
        help="source: train f on labelled source digits; target: train the evaluation classifier",
    )
    parser.add_argument("--dataset", help="registered data set (default: rendered-digits / mnist-5k)")
    parser.add_argument("--steps", type=int, default=600, help="Adam steps (default 600)")
    parser.add_argument("--batch-size", type=int, default=128, help="batch size (default 128)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    parser.add_argument("--seed", type=int, default=0, help="initialisation and batch-order seed (default 0)")
    parser.add_argument(
        "--augment",
        action="store_true",
        help="train on randomly distorted copies (affine, elastic, stroke width); see docs/results.md",
    )
    parser.add_argument(
        "--target",
        help="source only: also report f's accuracy on this domain's DTN half, the source-only baseline "
        f"(default: {DTNConfig().target}; 'none' skips it)",
    )
    parser.add_argument("--out", type=Path, help="weight file (default: ~/.cache/gan/dtn/{f,classifier}-DATASET...)")
    parser.add_argument("--data-root", default=TrainConfig().data_root, help="where downloadable data sets live")


def _pretrain_run(args: Namespace) -> int:
    from tqdm.auto import tqdm

    from gan_plugin_dtn.pretrain import PretrainSettings, pretrain

    dataset = args.dataset or _DEFAULT_DATASET[args.role]
    registry: Registry = args.registry
    registry.dataset(dataset)  # an unknown name fails before any work
    if args.role == "target" and args.target is not None:
        raise ConfigError("--target", "only f ('gan dtn-pretrain source') reads a target domain")
    reads = (args.target or _DEFAULT_DATASET["target"]) if args.role == "source" else None
    if reads == "none":
        reads = None
    if reads is not None:
        registry.dataset(reads)
    try:
        settings = PretrainSettings(
            steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, augment=args.augment
        )
    except ConfigError as error:
        raise ConfigError(f"--{error.field.replace('_', '-')}", error.message) from None
    bar = tqdm(total=settings.steps, desc=f"{args.role} classifier", dynamic_ncols=True, file=sys.stderr)

    def progress(step: int, loss: float) -> None:
        bar.update(1)
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    try:
        result, path = pretrain(args.role, dataset, registry, args.data_root, settings, args.out, progress, reads)
    finally:
        bar.close()
    what = "f" if args.role == "source" else "evaluation classifier"
    reading = ""
    if result.target_accuracy is not None:
        reading = f"; reads {100 * result.target_accuracy:.2f}% of {reads}'s DTN half (source only)"
    print(
        f"{what} on {dataset}: held-out accuracy {100 * result.heldout_accuracy:.2f}% on "
        f"{result.heldout_images} images (trained on {result.train_images}, {settings.steps} steps, "
        f"{result.seconds:.0f} s){reading}; wrote {path}"
    )
    return 0


# --- gan transfer ----------------------------------------------------------------------------------


def _transfer_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a directory written by 'gan train dtn'")
    parser.add_argument("images", metavar="IMAGES", type=Path, nargs="+", help="image files or folders of images")
    parser.add_argument("--out", type=Path, required=True, help="folder for the transfers (and pairs.png)")


def image_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """``(file, name to write it under)`` for each image: files as given, folders searched recursively
    (names relative to the folder, so equal file names in sub-folders do not collide)."""
    from gan_core.data import IMAGE_SUFFIXES

    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            found += [
                (file, file.relative_to(path))
                for file in sorted(path.rglob("*"))
                if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES
            ]
        elif path.is_file():
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                raise ConfigError("IMAGES", f"{path} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))})")
            found.append((path, Path(path.name)))
        else:
            raise ConfigError("IMAGES", f"no such file or folder: {path}")
    if not found:
        raise ConfigError("IMAGES", f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {', '.join(map(str, paths))}")
    seen: dict[Path, int] = {}
    unique = []
    for file, name in found:  # the same name from two places: number the later ones
        stem = name.with_suffix("")
        seen[stem] = seen.get(stem, 0) + 1
        unique.append((file, name if seen[stem] == 1 else name.with_name(f"{stem.name}-{seen[stem]}{name.suffix}")))
    return unique


def read_images(files: list[Path], channels: int) -> Tensor:
    """Images resized to 32x32 (bicubic), as ``channels``-channel floats in [-1, 1]."""
    import numpy as np
    import torch
    from einops import rearrange
    from PIL import Image

    from gan_core.data import scale_pixels
    from gan_plugin_dtn.networks import IMAGE_SIZE

    mode = "L" if channels == 1 else "RGB"
    arrays = []
    for file in files:
        with Image.open(file) as image:
            resized = image.convert(mode).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BICUBIC)
            arrays.append(np.asarray(resized, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE, -1))
    return scale_pixels(rearrange(torch.from_numpy(np.stack(arrays)), "n h w c -> n c h w"))


def _transfer_run(args: Namespace) -> int:
    from torchvision.utils import save_image

    from gan_core import load_generator, save_samples
    from gan_plugin_dtn.data import SOURCE
    from gan_plugin_dtn.evaluation import transfer
    from gan_plugin_dtn.networks import TransferGenerator

    files = image_files(args.images)
    run = load_generator(args.run_dir, args.registry)
    generator = run.generator
    if not isinstance(generator, TransferGenerator):
        raise RunDirectoryError(f"RUN_DIR: {args.run_dir} is a {run.variant.name!r} run; gan transfer needs a DTN run")
    sources = read_images([file for file, _ in files], generator.f.in_channels)
    transfers = transfer(generator, sources)
    for (_, name), image in zip(files, transfers, strict=True):
        target = (args.out / name).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        save_image((image + 1) / 2, str(target))
    source_info = run.data_info.extra.get(SOURCE, run.data_info)
    pairs = save_samples(transfers, run.data_info, args.out / "pairs.png", inputs=sources, input_info=source_info)
    print(f"wrote {len(files)} transfers from {run.checkpoint} to {args.out} (side by side: {pairs})", file=sys.stderr)
    return 0


# --- gan dtn-select --------------------------------------------------------------------------------


def _select_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a directory written by 'gan train dtn'")
    parser.add_argument(
        "--steps", type=int, default=300, help="Adam steps of each of the two classifiers per checkpoint (default 300)"
    )
    parser.add_argument(
        "--accuracy",
        action="store_true",
        help="also print each checkpoint's transfer accuracy (reads the target labels, through the run's "
        "evaluation classifier): to see how well the choice was made",
    )


def _select_run(args: Namespace) -> int:
    from gan_plugin_dtn.evaluation import evaluate_checkpoints
    from gan_plugin_dtn.selection import ReverseSettings, select_checkpoint

    registry: Registry = args.registry
    try:
        settings = ReverseSettings(steps=args.steps)
    except ConfigError as error:
        raise ConfigError(f"--{error.field}", error.message) from None
    if not args.run_dir.is_dir():
        raise RunDirectoryError(f"RUN_DIR: no such directory: {args.run_dir}")
    choice = select_checkpoint(args.run_dir, registry, settings)
    accuracies = evaluate_checkpoints(args.run_dir, registry) if args.accuracy else {}
    print("step  reverse-validation" + ("  transfer-accuracy" if accuracies else ""))
    for step, score in sorted(choice.scores.items()):
        line = f"{step:>4}  {100 * score:17.2f}%"
        if accuracies:
            line += f"  {100 * accuracies[step]:16.2f}%"
        print(line + ("  <- chosen" if step == choice.step else ""))
    return 0


COMMANDS = (
    CommandSpec(
        "dtn-pretrain",
        COMMAND_HELP["dtn-pretrain"],
        _pretrain_arguments,
        _pretrain_run,
        description="Trains the 4-conv digit classifier of Taigman et al. 2017 on one part of a domain and "
        "reports its accuracy on the other part; DTN reads the saved file (model.f_weights, "
        "model.classifier_weights).",
    ),
    CommandSpec("transfer", COMMAND_HELP["transfer"], _transfer_arguments, _transfer_run),
    CommandSpec(
        "dtn-select",
        COMMAND_HELP["dtn-select"],
        _select_arguments,
        _select_run,
        description="Scores every checkpoint a DTN run kept by reverse validation, with source labels only, "
        "and marks the one it chooses (docs/results.md measures how well it picks).",
    ),
)
