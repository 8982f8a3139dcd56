"""Data sets: the toy mixtures and their scoring, mnist-5k, torchvision loaders offline, image folders."""

from __future__ import annotations

import gzip
import itertools
import math
import urllib.error
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
import torch
import torchvision.datasets
from PIL import Image

from gan_core import ConfigError, DataOptions, Registry
from gan_core.data import InMemoryDataset, grid25, ring8, vision
from gan_core.data.memory import resize_images
from gan_core.data.toy import EVAL_SAMPLES, TOY_DATASET_SIZE, load_toy
from gan_core.errors import DataUnavailableError


def options(tmp_path: Path, image_size: int = 0) -> DataOptions:
    return DataOptions(root=tmp_path, image_size=image_size)


@pytest.fixture(autouse=True)
def no_system_copies(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the system package directories at an empty folder, so that what the machine has installed
    never changes a test; the tests of system copies fill that folder themselves."""
    empty = tmp_path_factory.mktemp("system")
    for name, copy in list(vision.SYSTEM_COPIES.items()):
        monkeypatch.setitem(vision.SYSTEM_COPIES, name, attrs.evolve(copy, directory=empty))
    return empty


# --- toy mixtures ------------------------------------------------------------------------------


def test_ring8_geometry() -> None:
    mixture = ring8()
    assert mixture.means.shape == (8, 2) and mixture.std == 0.01
    assert torch.allclose(mixture.means.norm(dim=1), torch.ones(8))
    angles = torch.atan2(mixture.means[:, 1], mixture.means[:, 0]).remainder(2 * math.pi).sort().values
    assert torch.allclose(angles, torch.arange(8) * (2 * math.pi / 8), atol=1e-6)  # evenly spaced


def test_grid25_geometry() -> None:
    mixture = grid25()
    assert mixture.std == 0.05
    points = {tuple(round(v) for v in row) for row in mixture.means.tolist()}
    assert points == set(itertools.product([-4, -2, 0, 2, 4], repeat=2))
    assert torch.equal(mixture.means, mixture.means.round())


@pytest.mark.parametrize("make", [ring8, grid25])
def test_samples_are_the_mixture(make: Any) -> None:
    mixture = make()
    samples = mixture.sample(20_000, torch.Generator().manual_seed(0))
    nearest = torch.cdist(samples, mixture.means).argmin(dim=1)
    offsets = samples - mixture.means[nearest]
    assert offsets.std().item() == pytest.approx(mixture.std, rel=0.05)
    counts = torch.bincount(nearest, minlength=len(mixture.means)).float()
    assert counts.min() > 0.8 * counts.mean()  # equal weights


def test_sampling_is_seeded() -> None:
    a = ring8().sample(10, torch.Generator().manual_seed(1))
    b = ring8().sample(10, torch.Generator().manual_seed(1))
    c = ring8().sample(10, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("make", [ring8, grid25])
def test_coverage_of_the_mixture_itself(make: Any) -> None:
    mixture = make()
    coverage = mixture.coverage(mixture.sample(EVAL_SAMPLES, torch.Generator().manual_seed(0)))
    assert coverage.modes_captured == coverage.num_modes == len(mixture.means)
    # within 3 std in 2-D: P(chi2_2 <= 9) = 1 - exp(-9/2) ~ 0.989; 2,500 samples give it to about +-0.002
    assert coverage.high_quality_fraction == pytest.approx(1 - math.exp(-4.5), abs=0.008)


def test_coverage_of_a_collapsed_generator() -> None:
    mixture = grid25()
    collapsed = mixture.means[7] + 0.01 * torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    coverage = mixture.coverage(collapsed)
    assert (coverage.modes_captured, coverage.num_modes, coverage.high_quality_fraction) == (1, 25, 1.0)


def test_far_points_are_not_high_quality() -> None:
    mixture = ring8()
    coverage = mixture.coverage(torch.tensor([[10.0, 10.0], [0.0, 0.0], [0.5, 0.5]]))
    assert (coverage.modes_captured, coverage.high_quality_fraction) == (0, 0.0)


def test_high_quality_threshold_is_three_std() -> None:
    mixture = ring8()  # mode 0 at (1, 0), std 0.01
    inside = torch.tensor([[1.0 + 2.9 * 0.01, 0.0]])
    outside = torch.tensor([[1.0 + 3.1 * 0.01, 0.0]])
    assert mixture.coverage(inside).high_quality_fraction == 1.0
    assert mixture.coverage(outside).high_quality_fraction == 0.0
    half = mixture.coverage(torch.cat([inside, outside, mixture.means[3:4]]))
    assert half.modes_captured == 2 and half.high_quality_fraction == pytest.approx(2 / 3)


def test_coverage_of_no_samples() -> None:
    coverage = ring8().coverage(torch.empty(0, 2))
    assert (coverage.modes_captured, coverage.high_quality_fraction) == (0, 0.0)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_toy_data_set_is_fixed_and_labelled(name: str, tmp_path: Path) -> None:
    loaded = load_toy(name, options(tmp_path))
    again = load_toy(name, options(tmp_path))
    dataset = loaded.dataset
    assert isinstance(dataset, InMemoryDataset) and len(dataset) == TOY_DATASET_SIZE
    assert torch.equal(dataset.x, again.dataset.x)  # independent of any run's seed
    mixture = ring8() if name == "ring8" else grid25()
    assert loaded.info.shape == (2,) and loaded.info.kind == "points" and loaded.info.num_classes == len(mixture.means)
    assert dataset.y is not None
    distance = (dataset.x - mixture.means[dataset.y]).norm(dim=1)
    assert distance.max() < 6 * mixture.std  # each point lies at the mode its label names
    low, high = loaded.info.value_range  # the outermost modes plus 4 std: all but a few points
    outside = ((dataset.x < low) | (dataset.x > high)).any(dim=1).float().mean().item()
    assert outside < 1e-3


# --- in-memory data sets -----------------------------------------------------------------------


def test_uint8_images_are_scaled_to_minus_one_one() -> None:
    x = torch.tensor([0, 255, 128], dtype=torch.uint8).view(3, 1, 1, 1)
    dataset = InMemoryDataset(x, torch.tensor([0, 1, 2]))
    batch, labels = dataset.get_batch(torch.tensor([1, 0, 2]))
    assert batch.flatten().tolist() == pytest.approx([1.0, -1.0, 128 / 127.5 - 1], abs=1e-6)
    assert labels is not None and labels.tolist() == [1, 0, 2]
    item, label = dataset[1]
    assert item.shape == (1, 1, 1) and item.item() == 1.0 and label is not None and label.item() == 1
    assert dataset.x.dtype == torch.uint8  # scaling never modifies the stored data


def test_mismatched_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="3 samples but y has 2"):
        InMemoryDataset(torch.zeros(3, 2), torch.zeros(2))


def test_resize_keeps_dtype_and_range() -> None:
    x = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    small = resize_images(x, 14)
    assert small.shape == (2, 1, 14, 14) and small.dtype == torch.uint8
    assert resize_images(x, 0) is x and resize_images(x, 28) is x


# --- mnist-5k ----------------------------------------------------------------------------------


def test_mnist_5k(registry: Registry, tmp_path: Path) -> None:
    loaded = registry.dataset("mnist-5k").load(options(tmp_path))
    dataset = loaded.dataset
    assert isinstance(dataset, InMemoryDataset)
    assert loaded.info.shape == (1, 28, 28) and loaded.info.kind == "image" and loaded.info.num_classes == 10
    assert len(dataset) == 5000 and dataset.x.shape == (5000, 1, 28, 28)
    assert dataset.y is not None and torch.bincount(dataset.y).tolist() == [500] * 10
    images, _ = dataset.get_batch(torch.arange(5000))
    assert images.min().item() == -1.0 and images.max().item() == 1.0
    assert (images == -1.0).float().mean() > 0.5  # digits: mostly black background

    resized = registry.dataset("mnist-5k").load(options(tmp_path, image_size=16))
    assert resized.info.shape == (1, 16, 16) and resized.dataset.x.shape == (5000, 1, 16, 16)


# --- torchvision data sets: offline failures and layouts ---------------------------------------


def _failing(error: Exception) -> Any:
    class Failing:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise error

    return Failing


@pytest.mark.parametrize(
    ("name", "cls", "error"),
    [
        ("mnist", "MNIST", urllib.error.URLError("[Errno -3] Temporary failure in name resolution")),
        ("fashion-mnist", "FashionMNIST", RuntimeError("Error downloading train-images-idx3-ubyte.gz")),
        ("cifar10", "CIFAR10", urllib.error.URLError("no network")),
        ("svhn", "SVHN", OSError("\nmultiline\nerror")),
    ],
)
def test_download_failure_says_what_to_do_offline(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, cls: str, error: Exception
) -> None:
    monkeypatch.setattr(torchvision.datasets, cls, _failing(error))
    with pytest.raises(DataUnavailableError) as info:
        registry.dataset(name).load(options(tmp_path))
    message = str(info.value)
    assert "\n" not in message
    assert f"{name!r}" in message and str(tmp_path) in message
    assert "offline" in message and "mnist-5k" in message
    assert type(error).__name__ in message


def _fake_torchvision(data: Any, labels_attr: str, labels: Any, seen: dict[str, Any]) -> Any:
    class Fake:
        def __init__(self, root: str, **kwargs: Any) -> None:
            seen.update(root=root, **kwargs)
            self.data = data
            setattr(self, labels_attr, labels)

    return Fake


_PIXELS = np.random.default_rng(0).integers(0, 256, size=(6, 3, 28, 32), dtype=np.uint8)


@pytest.mark.parametrize(
    ("name", "cls", "data", "labels_attr", "labels", "expected"),
    [  # each class's data and labels as torchvision holds them, and the same images as N, C, H, W
        ("mnist", "MNIST", torch.from_numpy(_PIXELS[:, 0]), "targets", torch.arange(6), _PIXELS[:, :1]),
        ("fashion-mnist", "FashionMNIST", torch.from_numpy(_PIXELS[:, 1]), "targets", torch.arange(6), _PIXELS[:, 1:2]),
        ("cifar10", "CIFAR10", _PIXELS.transpose(0, 2, 3, 1).copy(), "targets", list(range(6)), _PIXELS),
        ("svhn", "SVHN", _PIXELS, "labels", np.arange(6), _PIXELS),
    ],
)
def test_torchvision_layouts_become_nchw(
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    cls: str,
    data: Any,
    labels_attr: str,
    labels: Any,
    expected: np.ndarray,
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(torchvision.datasets, cls, _fake_torchvision(data, labels_attr, labels, seen))
    loaded = registry.dataset(name).load(options(tmp_path))
    assert seen["root"] == str(tmp_path) and seen.get("download") is True
    assert loaded.info.shape == expected.shape[1:] and loaded.info.num_classes == 10
    dataset = loaded.dataset
    assert isinstance(dataset, InMemoryDataset) and dataset.x.dtype == torch.uint8
    assert np.array_equal(dataset.x.numpy(), expected)
    assert dataset.y is not None and dataset.y.tolist() == list(range(6))
    resized = registry.dataset(name).load(options(tmp_path, image_size=8))
    assert resized.info.shape == (expected.shape[1], 8, 8)


def _write_idx(path: Path, array: np.ndarray) -> None:
    """The MNIST files' format (LeCun's IDX): a magic number naming unsigned bytes and the rank, the
    dimensions as big-endian int32, then the bytes; gzipped as the packages ship them."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_a_system_package_is_read_by_torchvision_offline(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_system_copies: Path
) -> None:
    images = np.random.default_rng(1).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([9, 0, 3, 3, 1], dtype=np.uint8)
    for split in ("train", "t10k"):
        _write_idx(no_system_copies / f"{split}-images-idx3-ubyte.gz", images)
        _write_idx(no_system_copies / f"{split}-labels-idx1-ubyte.gz", labels)

    def offline(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("torchvision tried to download")

    monkeypatch.setattr(torchvision.datasets.mnist, "download_and_extract_archive", offline)
    loaded = registry.dataset("fashion-mnist").load(options(tmp_path / "data"))
    dataset = loaded.dataset
    assert isinstance(dataset, InMemoryDataset) and loaded.info.shape == (1, 28, 28)
    assert np.array_equal(dataset.x.numpy()[:, 0], images) and dataset.y is not None
    assert dataset.y.tolist() == labels.tolist()
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir() if not p.name.startswith(".")) == sorted(vision._MNIST_FILES)


def test_a_missing_package_is_named_in_the_offline_message(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", _failing(urllib.error.URLError("no network")))
    with pytest.raises(DataUnavailableError, match="install the dataset-fashion-mnist package"):
        registry.dataset("fashion-mnist").load(options(tmp_path))
    assert not (tmp_path / "FashionMNIST").exists()  # nothing unpacked from an empty system folder


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists(),
    reason="Debian's dataset-fashion-mnist package is not installed (apt-get install dataset-fashion-mnist)",
)
def test_the_real_fashion_mnist_from_debians_package(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = attrs.evolve(vision.SYSTEM_COPIES["fashion-mnist"], directory=Path("/usr/share/datasets/fashion-mnist"))
    monkeypatch.setitem(vision.SYSTEM_COPIES, "fashion-mnist", copy)
    loaded = registry.dataset("fashion-mnist").load(options(tmp_path))
    dataset = loaded.dataset
    assert isinstance(dataset, InMemoryDataset) and tuple(dataset.x.shape) == (60_000, 1, 28, 28)
    assert dataset.y is not None and torch.bincount(dataset.y).tolist() == [6000] * 10  # Xiao et al. 2017


# --- image folders -----------------------------------------------------------------------------


def write_png(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (12, 10)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def test_flat_image_folder(registry: Registry, tmp_path: Path) -> None:
    for i in range(3):
        write_png(tmp_path / f"img{i}.png", (255, 0, 0))
    (tmp_path / "notes.txt").write_text("not an image")
    loaded = registry.dataset("image-folder").load(options(tmp_path, image_size=6))
    assert len(loaded.dataset) == 3
    assert loaded.info.shape == (3, 6, 6) and loaded.info.kind == "image" and loaded.info.num_classes is None
    x, y = loaded.dataset[0]
    assert x.shape == (3, 6, 6) and y is None
    assert torch.allclose(x[0], torch.ones(6, 6)) and torch.allclose(x[1:], -torch.ones(2, 6, 6))


def test_image_folder_with_class_subfolders(registry: Registry, tmp_path: Path) -> None:
    write_png(tmp_path / "cats" / "a.png", (0, 0, 0))
    write_png(tmp_path / "cats" / "b.PNG", (0, 0, 0))
    write_png(tmp_path / "dogs" / "nested" / "c.png", (255, 255, 255))
    loaded = registry.dataset("image-folder").load(options(tmp_path, image_size=4))
    assert loaded.info.num_classes == 2 and len(loaded.dataset) == 3
    labels = [int(loaded.dataset[i][1]) for i in range(3)]
    assert labels == [0, 0, 1]
    assert loaded.dataset[2][0].min().item() == 1.0  # the white dog


def test_image_folder_needs_an_image_size(registry: Registry, tmp_path: Path) -> None:
    write_png(tmp_path / "a.png", (0, 0, 0))
    with pytest.raises(ConfigError) as info:
        registry.dataset("image-folder").load(options(tmp_path))
    assert info.value.field == "train.image_size"


def test_image_folder_missing_or_empty(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        registry.dataset("image-folder").load(options(tmp_path / "nowhere", image_size=8))
    with pytest.raises(ConfigError, match="no images"):
        registry.dataset("image-folder").load(options(tmp_path, image_size=8))
