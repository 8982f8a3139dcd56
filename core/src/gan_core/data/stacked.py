"""``stacked-mnist``: three MNIST digits drawn independently as the red, green and blue channels of one
image, so the data set has 10 x 10 x 10 = 1,000 modes (Metz et al. 2017, "Unrolled GANs"; VEEGAN,
PacGAN and R3GAN count how many a generator covers).

The digits are ``mnist-5k``'s, offline. Each sample's label is its mode, ``100 d_red + 10 d_green +
d_blue``. The set is a pure function of its size and seed.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_core._records import DataInfo, DataOptions, LoadedData
from gan_core.data.memory import InMemoryDataset, resize_images
from gan_core.data.mnist5k import read_mnist_5k

#: samples in the registered set (PacGAN trains on 128,000; 60,000 cover each of the 1,000 modes about
#: 60 times and hold 141 MB as uint8)
DEFAULT_SIZE = 60_000
DEFAULT_SEED = 1000
MODES = 1000


def stack_digits(n: int, seed: int) -> tuple[Tensor, Tensor]:
    """``n`` images ``(n, 3, 28, 28)`` uint8 and their modes ``(n,)``, three digits drawn with replacement."""
    digits, labels = read_mnist_5k()
    generator = torch.Generator().manual_seed(seed)
    index = torch.randint(len(digits), (n, 3), generator=generator)
    images = digits[index][:, :, 0]  # (n, 3, 1, 28, 28) -> one grey digit per channel
    modes = (labels[index] * torch.tensor([100, 10, 1])).sum(dim=1)
    return images.contiguous(), modes


def load_stacked_mnist(options: DataOptions) -> LoadedData:
    images, modes = stack_digits(DEFAULT_SIZE, DEFAULT_SEED)
    images = resize_images(images, options.image_size)
    info = DataInfo(shape=tuple(images.shape[1:]), kind="image", num_classes=MODES)
    return LoadedData(InMemoryDataset(images, modes), info)
