"""In-memory data sets with vectorised batch access."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F
from torch.utils.data import Dataset


def scale_pixels(x: Tensor) -> Tensor:
    """``uint8`` pixels in ``[0, 255]`` to floats in ``[-1, 1]`` (``x / 127.5 - 1``); other dtypes pass
    through unchanged. Every image the library reads is scaled by this one function."""
    if x.dtype == torch.uint8:
        return x.float().div_(127.5).sub_(1.0)
    return x


class InMemoryDataset(Dataset[tuple[Tensor, Tensor | None]]):
    """Samples (and optional labels) held as whole tensors.

    Images may be stored as ``uint8`` to keep CIFAR-sized sets small; they are scaled to ``[-1, 1]``
    per batch. ``get_batch`` indexes with a tensor of indices, which on these sizes is an order of
    magnitude cheaper than collating a list of items.
    """

    def __init__(self, x: Tensor, y: Tensor | None = None) -> None:
        if y is not None and len(y) != len(x):
            raise ValueError(f"x has {len(x)} samples but y has {len(y)}")
        self.x = x
        self.y = y

    def __len__(self) -> int:
        return len(self.x)

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor | None]:
        return scale_pixels(self.x[index]), (self.y[index] if self.y is not None else None)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor | None]:
        x, y = self.get_batch(torch.tensor([index]))
        return x[0], (y[0] if y is not None else None)


def resize_images(x: Tensor, size: int) -> Tensor:
    """Resize a ``(N, C, H, W)`` stack to ``size x size`` (bilinear with antialiasing), keeping dtype."""
    if size <= 0 or (x.shape[-2] == size and x.shape[-1] == size):
        return x
    resized = F.interpolate(x.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    if x.dtype == torch.uint8:
        return resized.round_().clamp_(0, 255).to(torch.uint8)
    return resized
