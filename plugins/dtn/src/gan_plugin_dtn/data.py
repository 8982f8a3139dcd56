"""The two domains, at 32x32, and the fixed splits that keep evaluation honest.

Every split is a pure function of the data set (a permutation drawn from :data:`SPLIT_SEED`), so the
pretraining command, DTN training and evaluation all agree on which images are which:

* **source** (S): :data:`SOURCE_HELDOUT` images are held out; ``f`` is pretrained on the rest, DTN
  transfers the rest during training, and transfer accuracy is measured on the held-out images
  (neither ``f`` nor ``g`` has seen them).
* **target** (T): two halves. The evaluation classifier trains on the first; DTN trains (without
  labels) on the second, which is also where the classifier's own held-out accuracy is measured. The
  classifier therefore never saw an image that DTN could have learnt to copy.

Labels never reach DTN training: both streams are unlabelled sets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import torch
from torch import Tensor

from gan_core import ConfigError, DataInfo, DataOptions, DatasetCatalog, LoadedData, RunConfig
from gan_core.data import InMemoryDataset, scale_pixels
from gan_plugin_dtn.networks import IMAGE_SIZE

SPLIT_SEED = 1611_02200  # the paper's arXiv number: any fixed value will do
SOURCE_HELDOUT = 2000  # the held-out source images (at most a tenth of the set)
SOURCE = "source"  # the name of DTN's extra data stream (gan_core: LoadedData.extra)


@attrs.frozen
class Labelled:
    """Images ``(N, C, 32, 32)`` (uint8 in [0, 255] or float in [-1, 1]) and labels ``(N,)``."""

    images: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return len(self.images)

    def scaled(self) -> Tensor:
        """The images as floats in [-1, 1], as every network here reads them."""
        return scale_pixels(self.images).float()

    def take(self, index: Tensor) -> Labelled:
        return Labelled(self.images[index], self.labels[index])


@attrs.frozen
class SourceSplit:
    train: Labelled  # f's pretraining and DTN's source stream
    heldout: Labelled  # transfer accuracy and f's own test accuracy


@attrs.frozen
class TargetSplit:
    classifier: Labelled  # trains the evaluation classifier
    dtn: Labelled  # DTN's target stream (unlabelled there); the classifier's held-out test set


_CACHE: dict[tuple[str, str], Labelled] = {}


def load_domain(name: str, datasets: DatasetCatalog, root: Path | str, field: str = "model.source") -> Labelled:
    """A labelled data set at 32x32, loaded once per process; ``field`` names the setting that chose it."""
    key = (name, str(Path(root).expanduser()))
    if key not in _CACHE:
        loaded = datasets.dataset(name).load(DataOptions(root=Path(key[1]), image_size=IMAGE_SIZE))
        if loaded.info.kind != "image":
            raise ConfigError(field, f"DTN maps images; {name!r} is {loaded.info.kind} data")
        _CACHE[key] = _labelled(name, loaded.dataset, field)
    return _CACHE[key]


def _labelled(name: str, dataset: Any, field: str) -> Labelled:
    if isinstance(dataset, InMemoryDataset):
        x, y = dataset.x, dataset.y
    else:  # e.g. an image folder: read it once
        items = [dataset[i] for i in range(len(dataset))]
        x = torch.stack([item[0] for item in items])
        y = None if any(item[1] is None for item in items) else torch.stack([item[1] for item in items])
    if y is None:
        raise ConfigError(field, f"{name!r} has no labels; DTN's classifiers need labelled digits")
    if tuple(x.shape[-2:]) != (IMAGE_SIZE, IMAGE_SIZE):
        raise ConfigError(field, f"{name!r} did not load at {IMAGE_SIZE}x{IMAGE_SIZE}")
    return Labelled(x, y.long())


def _permutation(n: int) -> Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED))


def split_source(data: Labelled) -> SourceSplit:
    held = min(SOURCE_HELDOUT, len(data) // 10)
    order = _permutation(len(data))
    return SourceSplit(train=data.take(order[held:]), heldout=data.take(order[:held]))


def split_target(data: Labelled) -> TargetSplit:
    order = _permutation(len(data))
    half = len(data) // 2
    return TargetSplit(classifier=data.take(order[:half]), dtn=data.take(order[half:]))


def source_split(name: str, datasets: DatasetCatalog, root: Path | str) -> SourceSplit:
    return split_source(load_domain(name, datasets, root, "model.source"))


def target_split(name: str, datasets: DatasetCatalog, root: Path | str) -> TargetSplit:
    return split_target(load_domain(name, datasets, root, "model.target"))


def load_dtn_data(config: RunConfig, options: DataOptions, datasets: DatasetCatalog) -> LoadedData:
    """``Variant.load_data`` for DTN: the target half as the main (unlabelled) stream, the source's
    training part as the extra stream ``"source"``, and its held-out part (never trained on) as
    ``heldout["source"]``, for demos."""
    if options.image_size not in (0, IMAGE_SIZE):
        raise ConfigError("train.image_size", f"DTN works on {IMAGE_SIZE}x{IMAGE_SIZE} images; leave it 0 or 32")
    model = config.model
    sources = source_split(model.source, datasets, options.root)
    source, heldout = sources.train, sources.heldout
    target = target_split(model.target, datasets, options.root).dtn
    target_info = DataInfo(shape=tuple(target.images.shape[1:]), kind="image")
    source_info = DataInfo(shape=tuple(source.images.shape[1:]), kind="image")
    source_data = LoadedData(InMemoryDataset(source.images), source_info)
    heldout_data = LoadedData(InMemoryDataset(heldout.images, heldout.labels), source_info)
    return LoadedData(
        InMemoryDataset(target.images), target_info, extra={SOURCE: source_data}, heldout={SOURCE: heldout_data}
    )
