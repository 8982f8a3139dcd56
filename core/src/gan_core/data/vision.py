"""Data sets that torchvision downloads (MNIST, Fashion-MNIST, CIFAR-10, SVHN) and image folders.

The download code is torchvision's own; what we add is a clear message when it cannot reach the
network, the original files from an operating-system package where one installs them (Debian's
``dataset-fashion-mnist``), and conversion of the decoded set into an :class:`InMemoryDataset`
(uint8, so even CIFAR-10 takes 150 MB) for fast batching.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import torch
from einops import rearrange
from PIL import Image
from torch import Tensor
from torch.utils.data import Dataset

from gan_core._records import DataInfo, DataOptions, LoadedData
from gan_core.data.memory import InMemoryDataset, resize_images, scale_pixels
from gan_core.errors import ConfigError, DataUnavailableError, GanWarning

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@attrs.frozen
class SystemCopy:
    """Where an operating-system package installs a data set's original gzipped files, and the folder
    under ``train.data_root`` in which torchvision looks for them, unpacked."""

    package: str
    directory: Path
    folder: str
    files: tuple[str, ...]


_MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

#: data sets that a package can install offline: torchvision then reads them instead of downloading
SYSTEM_COPIES: dict[str, SystemCopy] = {
    "fashion-mnist": SystemCopy(
        "dataset-fashion-mnist", Path("/usr/share/datasets/fashion-mnist"), "FashionMNIST", _MNIST_FILES
    ),
}


def unpack_system_copy(name: str, root: Path) -> bool:
    """Unpack the package's files of data set ``name`` into ``root/<folder>/raw``, where torchvision finds
    them; return whether that folder now holds them all.

    Debian recompresses the files, so their checksums differ from those torchvision checks before
    extracting a download; torchvision accepts unpacked files as they are, so they are unpacked here,
    each to a temporary name first (an interrupted unpacking never leaves half a file behind).
    """
    copy = SYSTEM_COPIES.get(name)
    if copy is None:
        return False
    raw = root / copy.folder / "raw"
    missing = [f for f in copy.files if not (raw / f).exists()]
    if not missing:
        return True
    if not all((copy.directory / f"{f}.gz").is_file() for f in missing):
        return False
    raw.mkdir(parents=True, exist_ok=True)
    for file in missing:
        handle, partial = tempfile.mkstemp(dir=raw, prefix=f".{file}.")
        try:
            with gzip.open(copy.directory / f"{file}.gz") as source, os.fdopen(handle, "wb") as target:
                shutil.copyfileobj(source, target)
            os.replace(partial, raw / file)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return True


def _download(name: str, root: Path, make: Callable[[], Any]) -> Any:
    unpack_system_copy(name, root)
    try:
        return make()
    except Exception as error:  # urllib, http and torchvision's own RuntimeError all end up here
        copy = SYSTEM_COPIES.get(name)
        package = f", install the {copy.package} package (it puts them in {copy.directory})" if copy else ""
        raise DataUnavailableError(
            f"data set {name!r} is not in {root} and could not be downloaded "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
            f"on an offline machine, copy the files there{package} or use --dataset mnist-5k"
        ) from None


def _as_images(data: Any, layout: str) -> Tensor:
    array = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
    images = torch.from_numpy(np.ascontiguousarray(array)).to(torch.uint8)
    # grayscale sets have no channel axis: einops adds a unit axis only when it is written as "1"
    return rearrange(images, f"{layout} -> n {'c' if 'c' in layout else '1'} h w")


def _loader(name: str, make: Callable[[Path], Any], layout: str, labels: str) -> Callable[[DataOptions], LoadedData]:
    def load(options: DataOptions) -> LoadedData:
        root = options.root.expanduser()
        dataset = _download(name, root, lambda: make(root))
        images = resize_images(_as_images(dataset.data, layout), options.image_size)
        targets = torch.as_tensor(np.asarray(getattr(dataset, labels)), dtype=torch.long)
        info = DataInfo(shape=tuple(images.shape[1:]), kind="image", num_classes=10)
        return LoadedData(InMemoryDataset(images, targets), info)

    return load


def _torchvision() -> Any:
    import torchvision.datasets

    return torchvision.datasets


load_mnist = _loader("mnist", lambda r: _torchvision().MNIST(str(r), train=True, download=True), "n h w", "targets")
load_fashion_mnist = _loader(
    "fashion-mnist", lambda r: _torchvision().FashionMNIST(str(r), train=True, download=True), "n h w", "targets"
)
load_cifar10 = _loader(
    "cifar10", lambda r: _torchvision().CIFAR10(str(r), train=True, download=True), "n h w c", "targets"
)
load_svhn = _loader("svhn", lambda r: _torchvision().SVHN(str(r), split="train", download=True), "n c h w", "labels")


class ImageFiles(Dataset[tuple[Tensor, Tensor | None]]):
    """Images read lazily from disk, resized to a square and scaled to ``[-1, 1]``.

    With one sub-folder per class (torchvision's ``ImageFolder`` layout) the folders give labels;
    a flat folder of images is an unlabelled set.
    """

    def __init__(self, root: Path, image_size: int, channels: int) -> None:
        self.image_size = image_size
        self.mode = "L" if channels == 1 else "RGB"
        classes = sorted(p.name for p in root.iterdir() if p.is_dir())
        self.classes = classes
        if classes:
            self.items = [
                (path, index)
                for index, name in enumerate(classes)
                for path in sorted((root / name).rglob("*"))
                if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
            ]
        else:
            self.items = [(p, -1) for p in sorted(root.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]

    def unreadable(self) -> list[tuple[Path, str]]:
        """Every file that cannot be decoded, with the reason: checked once, before training, so that a
        bad file stops nothing halfway through a run."""
        found = []
        for path, _ in self.items:
            reason = _unreadable(path)
            if reason is not None:
                found.append((path, reason))
        return found

    def drop(self, paths: set[Path]) -> None:
        """Leave ``paths`` out of the set (``train.bad_images = "skip"``)."""
        self.items = [(path, label) for path, label in self.items if path not in paths]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor | None]:
        path, label = self.items[index]
        try:
            with Image.open(path) as image:
                image = image.convert(self.mode).resize((self.image_size, self.image_size), Image.Resampling.BICUBIC)
                array = np.asarray(image, dtype=np.uint8)
        except Exception as error:  # changed or removed since the check before training
            raise DataUnavailableError(f"train.data_root: cannot read {path} ({_first_line(error)})") from None
        pixels = torch.from_numpy(array.copy())
        pixels = rearrange(pixels, "h w -> 1 h w") if pixels.ndim == 2 else rearrange(pixels, "h w c -> c h w")
        return scale_pixels(pixels), (torch.tensor(label) if label >= 0 else None)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _unreadable(path: Path) -> str | None:
    """Why PIL cannot read ``path``, or ``None``: ``verify`` checks the structure (a PNG's chunk
    checksums), then decoding checks the pixels, which ``verify`` never reaches (a truncated JPEG).
    JPEGs decode at up to 1/8 scale (``draft``): every byte is still read, in a fraction of the time."""
    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.draft(image.mode, (1, 1))
            image.load()
    except Exception as error:  # PIL's OSError, SyntaxError, ValueError, DecompressionBombError, ...
        return _first_line(error)
    return None


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _handle_unreadable(dataset: ImageFiles, root: Path, policy: str) -> None:
    """Apply ``train.bad_images`` to the files that cannot be read: refuse (``"error"``), naming the
    first and the count, or drop them with one warning line (``"skip"``)."""
    bad = dataset.unreadable()
    if not bad:
        return
    total = len(dataset)
    first, reason = bad[0]
    if policy == "skip" and len(bad) < total:
        dataset.drop({path for path, _ in bad})
        if _is_main_process():  # one line for the run, not one per process
            warnings.warn(
                f"train.bad_images=skip: left out {len(bad)} of {total} images in {root} that cannot be read "
                f"(the first: {first}: {reason})",
                GanWarning,
                stacklevel=2,
            )
        return
    hint = (
        "; with train.bad_images=skip nothing is left to train on"
        if policy == "skip"
        else "; remove or replace them, or set train.bad_images=skip to leave them out"
    )
    raise DataUnavailableError(
        f"train.data_root: {len(bad)} of {total} images in {root} cannot be read, the first: {first} ({reason}){hint}"
    )


def load_image_folder(options: DataOptions) -> LoadedData:
    """Images under ``train.data_root`` (RGB), resized to ``train.image_size``; every file is decoded once
    first, and ``options.bad_images`` says what happens to those that cannot be."""
    root = options.root.expanduser()
    if options.image_size <= 0:
        raise ConfigError("train.image_size", "must be > 0 for the image-folder data set (e.g. 64)")
    if not root.is_dir():
        raise ConfigError("train.data_root", f"no such folder: {root}")
    dataset = ImageFiles(root, options.image_size, channels=3)
    if len(dataset) == 0:
        raise ConfigError("train.data_root", f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {root}")
    _handle_unreadable(dataset, root, options.bad_images)
    num_classes = len(dataset.classes) or None
    info = DataInfo(shape=(3, options.image_size, options.image_size), kind="image", num_classes=num_classes)
    return LoadedData(dataset, info)
