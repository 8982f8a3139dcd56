"""Writing samples: PNG grids (images, or inputs beside their outputs for a translation), scatter plots
(points), or raw ``.npy`` arrays in data space."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from gan_core._records import DataInfo
from gan_core.errors import ConfigError

SAMPLE_SUFFIXES = (".png", ".npy")


def check_sample_path(path: Path) -> str:
    """The lower-cased suffix of a sample file, refused unless it is one :func:`save_samples` writes."""
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_SUFFIXES:
        raise ConfigError("--out", f"must end in '.png' or '.npy', got {path.name!r}")
    return suffix


def save_samples(
    samples: Tensor,
    info: DataInfo,
    path: Path,
    real: Tensor | None = None,
    inputs: Tensor | None = None,
    input_info: DataInfo | None = None,
) -> Path:
    """Write samples as ``.npy`` (raw) or ``.png``: a grid for images (each beside its input, when
    ``inputs`` are images described by ``input_info``), a scatter plot over ``real`` for points."""
    suffix = check_sample_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(path, samples.numpy().astype(np.float32))
    elif info.kind == "image" and inputs is not None and input_info is not None and input_info.kind == "image":
        save_translation_grid(inputs, samples, input_info, info, path)
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
    low, high = info.value_range
    if samples.shape[1] == 1:  # one-dimensional points: histograms over the value range
        bins = torch.linspace(low, high, 101).tolist()
        if real is not None:
            ax.hist(real[:, 0].tolist(), bins=bins, color="tab:blue", alpha=0.4, label="data", density=True)
        ax.hist(samples[:, 0].tolist(), bins=bins, color="tab:red", alpha=0.6, label="generated", density=True)
        ax.set_xlim(low, high)
        ax.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.3, label="data")
    ax.scatter(samples[:, 0], samples[:, 1], s=4, c="tab:red", alpha=0.6, label="generated")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
