"""Differentiable augmentation of the discriminator's inputs (Zhao, Liu, Lin, Zhu and Han 2020,
"Differentiable Augmentation for Data-Efficient GAN Training").

Every input of the discriminator, real and generated, in both players' updates, goes through the same
family of random transformations. Each one is differentiable in the image, so the generator learns
through it, and the discriminator never sees an image it could memorise as it is. The policies are the
paper's: ``color`` (brightness, saturation and contrast), ``translation`` (by up to 1/8 of the size,
zero filled) and ``cutout`` (a zeroed square of half the size). Images are expected in [-1, 1].

The transformations are plain functions of their parameters, so a test can apply a known shift; the
random draws come from torch's global RNG, which checkpoints save, so a resumed run augments exactly
as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

#: DiffAugment's sizes: translations up to 1/8 of the side, cutouts of half the side
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _per_sample(values: Tensor) -> Tensor:
    return values.view(-1, 1, 1, 1)


def adjust_brightness(x: Tensor, shift: Tensor) -> Tensor:
    """``x + shift``, one shift per image."""
    return x + _per_sample(shift)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """Each pixel's distance from its grey (the mean over channels) scaled by ``factor``."""
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * _per_sample(factor) + grey


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """Each image's distance from its mean value scaled by ``factor``."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _per_sample(factor) + mean


def translate(x: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """Each image moved right by ``dx`` and down by ``dy`` whole pixels; what comes in is zero."""
    batch, _, height, width = x.shape
    rows = torch.arange(height, device=x.device)[None, :] - dy[:, None].long()  # source row of each row
    cols = torch.arange(width, device=x.device)[None, :] - dx[:, None].long()
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[:, None, :]
    picked = x[
        torch.arange(batch, device=x.device)[:, None, None],
        :,
        rows.clamp(0, height - 1)[:, :, None],
        cols.clamp(0, width - 1)[:, None, :],
    ]  # (B, H, W, C): advanced indexing puts the sliced channel axis last
    return picked.permute(0, 3, 1, 2) * inside[:, None].to(x.dtype)


def cut_out(x: Tensor, cx: Tensor, cy: Tensor, size: int) -> Tensor:
    """Each image with a ``size`` x ``size`` square zeroed, centred on pixel ``(cx, cy)`` (clipped at the edges)."""
    _, _, height, width = x.shape
    rows = torch.arange(height, device=x.device)[None, :]
    cols = torch.arange(width, device=x.device)[None, :]
    low = size // 2
    in_rows = (rows >= cy[:, None] - low) & (rows < cy[:, None] - low + size)
    in_cols = (cols >= cx[:, None] - low) & (cols < cx[:, None] - low + size)
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])
    return x * keep[:, None].to(x.dtype)


def random_color(x: Tensor) -> Tensor:
    n = x.shape[0]
    x = adjust_brightness(x, torch.rand(n, device=x.device, dtype=x.dtype) - 0.5)
    x = adjust_saturation(x, torch.rand(n, device=x.device, dtype=x.dtype) * 2)
    return adjust_contrast(x, torch.rand(n, device=x.device, dtype=x.dtype) + 0.5)


def random_translation(x: Tensor, ratio: float = TRANSLATION_RATIO) -> Tensor:
    n, _, height, width = x.shape
    reach_y, reach_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-reach_y, reach_y + 1, (n,), device=x.device)
    dx = torch.randint(-reach_x, reach_x + 1, (n,), device=x.device)
    return translate(x, dx, dy)


def random_cutout(x: Tensor, ratio: float = CUTOUT_RATIO) -> Tensor:
    n, _, height, width = x.shape
    size = int(min(height, width) * ratio + 0.5)
    cy = torch.randint(0, height, (n,), device=x.device)
    cx = torch.randint(0, width, (n,), device=x.device)
    return cut_out(x, cx, cy, size)


TRANSFORMS: dict[str, Callable[[Tensor], Tensor]] = {
    "color": random_color,
    "translation": random_translation,
    "cutout": random_cutout,
}


class DiffAugment:
    """The policy's transformations in order (``DiffAugment(["color", "translation", "cutout"])``),
    each drawn afresh for every image of every call."""

    def __init__(self, policy: Sequence[str]) -> None:
        unknown = [name for name in policy if name not in TRANSFORMS]
        if unknown:
            raise ValueError(f"unknown DiffAugment transformation {unknown[0]!r}; allowed: {', '.join(TRANSFORMS)}")
        self.policy = tuple(policy)

    def __call__(self, x: Tensor) -> Tensor:
        for name in self.policy:
            x = TRANSFORMS[name](x)
        return x

    def __repr__(self) -> str:
        return f"DiffAugment({','.join(self.policy)!r})"


__all__ = [
    "CUTOUT_RATIO",
    "TRANSFORMS",
    "TRANSLATION_RATIO",
    "DiffAugment",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "cut_out",
    "random_color",
    "random_cutout",
    "random_translation",
    "translate",
]
