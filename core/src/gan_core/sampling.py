"""Drawing samples from a generator and writing them: PNG grids (images), scatter plots (points),
or raw ``.npy`` arrays in data space."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import torch
from torch import Tensor, nn

from gan_core.errors import ConfigError
from gan_core.variant import DataInfo

DATA_INFO_FILE = "data.json"
SAMPLE_SUFFIXES = (".png", ".npy")


def sample_latent(n: int, latent_dim: int, seed: int, device: torch.device | str = "cpu") -> Tensor:
    """Noise drawn from a private generator, so sampling never disturbs the global RNG."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, latent_dim, generator=generator).to(device)


def grid_labels(n: int, num_classes: int | None, labels: Sequence[int] | int | None = None) -> Tensor | None:
    """Labels for conditional samples: the classes in turn when ``labels`` is ``None``; otherwise the
    given classes in equal consecutive blocks (``--label 0,1,2`` with ``--n 30``: ten 0s, ten 1s,
    ten 2s), so that a grid shows each requested class together."""
    if num_classes is None:
        return None
    if labels is None:
        return torch.arange(n) % num_classes
    chosen = torch.tensor([labels] if isinstance(labels, int) else list(labels), dtype=torch.long)
    if chosen.numel() == 0:
        raise ValueError("labels must name at least one class")
    per_class = -(-n // chosen.numel())  # ceil(n / k)
    return chosen.repeat_interleave(per_class)[:n]


@torch.no_grad()
def generate(
    generator: nn.Module,
    z: Tensor,
    labels: Tensor | None = None,
    batch_size: int = 512,
) -> Tensor:
    """Run ``generator`` in eval mode over ``z`` in chunks; restores its previous mode."""
    was_training = generator.training
    generator.eval()
    try:
        chunks = []
        for start in range(0, len(z), batch_size):
            y = labels[start : start + batch_size].to(z.device) if labels is not None else None
            chunks.append(generator(z[start : start + batch_size], y).float().cpu())
        return torch.cat(chunks)
    finally:
        generator.train(was_training)


def check_sample_path(path: Path) -> str:
    """The lower-cased suffix of a sample file, refused unless it is one :func:`save_samples` writes."""
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_SUFFIXES:
        raise ConfigError("--out", f"must end in '.png' or '.npy', got {path.name!r}")
    return suffix


def save_samples(samples: Tensor, info: DataInfo, path: Path, real: Tensor | None = None) -> Path:
    """Write samples as ``.npy`` (raw) or ``.png`` (a grid for images, a scatter plot for points)."""
    suffix = check_sample_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(path, samples.numpy().astype(np.float32))
    elif info.kind == "image":
        _save_grid(samples, info, path)
    else:
        _save_scatter(samples, info, path, real)
    return path


def _to_pixels(x: Tensor, info: DataInfo) -> Tensor:
    """Samples in the data set's value range to [0, 1], the range image writers expect."""
    low, high = info.value_range
    return ((x - low) / (high - low)).clamp(0, 1)


def _save_grid(samples: Tensor, info: DataInfo, path: Path) -> None:
    from torchvision.utils import save_image

    images = _to_pixels(samples, info)
    save_image(images, str(path), nrow=max(1, math.isqrt(len(images) - 1) + 1), padding=2)


def save_translation_grid(
    sources: Tensor, outputs: Tensor, source_info: DataInfo, target_info: DataInfo, path: Path, pairs_per_row: int = 8
) -> Path:
    """A PNG of (source, translation) pairs side by side, for variants that map one domain to another.

    Grey images are shown as RGB when the other domain is in colour, and the translations are
    resized to the sources' size, so the two always tile.
    """
    from torch.nn import functional as F
    from torchvision.utils import save_image

    src, out = _to_pixels(sources.cpu().float(), source_info), _to_pixels(outputs.cpu().float(), target_info)
    channels = max(src.shape[1], out.shape[1])
    src, out = src.expand(-1, channels, -1, -1), out.expand(-1, channels, -1, -1)
    if out.shape[-2:] != src.shape[-2:]:
        out = F.interpolate(out, size=src.shape[-2:], mode="bilinear", antialias=True, align_corners=False)
    tiles = torch.stack([src, out], dim=1).flatten(0, 1)  # s0, t0, s1, t1, ...
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(tiles, str(path), nrow=2 * pairs_per_row, padding=2)
    return path


def _save_scatter(samples: Tensor, info: DataInfo, path: Path, real: Tensor | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.3, label="data")
    ax.scatter(samples[:, 0], samples[:, 1], s=4, c="tab:red", alpha=0.6, label="generated")
    low, high = info.value_range
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_data_info(info: DataInfo, run_dir: Path) -> None:
    """Remember the data's shape so that sampling never needs the data set itself."""
    (run_dir / DATA_INFO_FILE).write_text(json.dumps(attrs.asdict(info)))


def read_data_info(run_dir: Path) -> DataInfo:
    return _data_info(json.loads((run_dir / DATA_INFO_FILE).read_text()))


def _data_info(data: dict) -> DataInfo:  # type: ignore[type-arg]
    return DataInfo(
        shape=tuple(data["shape"]),
        kind=data["kind"],
        num_classes=data["num_classes"],
        value_range=tuple(data["value_range"]),
        extra={name: _data_info(value) for name, value in data.get("extra", {}).items()},
    )
