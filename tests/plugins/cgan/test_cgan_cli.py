"""End to end through the ``gan`` command: train a tiny cgan on mnist-5k, then ask for classes with
``gan sample --label``; labels outside the data set's classes and unlabelled data sets are refused
with one line and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

import gan_plugin_cgan.plugin
from gan_core import (
    ConfigError,
    DataInfo,
    DatasetSpec,
    LoadedData,
    Registry,
    create_registry,
    generate,
    hookimpl,
    load_generator,
    sample_latent,
)
from gan_core.cli import main
from gan_core.data.memory import InMemoryDataset
from gan_plugin_cgan import CGANConfig, build

TINY = ["--set", "width=4", "--set", "latent_dim=8", "--set", "embed_dim=4", "--set", "progress=false"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny run shared by the sampling tests (training is the slow part)."""
    registry = create_registry(plugins=[gan_plugin_cgan.plugin], entry_points=False)
    run = tmp_path_factory.mktemp("cgan") / "run"
    argv = ["train", "cgan", "--steps", "3", "--out", str(run), "--set", "batch_size=16", "--set", "grid_size=10"]
    assert main([*argv, *TINY], registry=registry) == 0
    return run


@pytest.fixture
def cli(registry: Registry) -> Callable[..., int]:
    """``gan`` with the registry of the core and cgan only."""
    return lambda *argv: main([str(a) for a in argv], registry=registry)


def _expected(run_dir: Path, registry: Registry, labels: list[int], seed: int = 0) -> np.ndarray:
    run = load_generator(run_dir, registry)
    z = sample_latent(len(labels), run.latent_dim, seed=seed)
    return generate(run.generator, z, torch.tensor(labels)).numpy()


def test_the_run_records_its_classes_and_grid(run_dir: Path) -> None:
    assert (run_dir / "checkpoints" / "step_00000003").is_dir()
    assert '"num_classes": 10' in (run_dir / "data.json").read_text()
    assert (run_dir / "samples" / "step_00000003.png").exists()


def test_label_7_draws_every_sample_of_class_7(
    run_dir: Path, registry: Registry, cli: Callable[..., int], tmp_path: Path
) -> None:
    out = tmp_path / "sevens.npy"
    assert cli("sample", run_dir, "--n", 6, "--label", 7, "--out", out) == 0
    samples = np.load(out)
    assert samples.shape == (6, 1, 28, 28) and np.isfinite(samples).all()
    np.testing.assert_allclose(samples, _expected(run_dir, registry, [7] * 6), atol=1e-6)
    # the same noise with another class gives other images: the label was used
    assert not np.allclose(samples, _expected(run_dir, registry, [3] * 6), atol=1e-4)


def test_label_list_draws_equal_blocks_of_each_class(
    run_dir: Path, registry: Registry, cli: Callable[..., int], tmp_path: Path
) -> None:
    out = tmp_path / "blocks.npy"
    assert cli("sample", run_dir, "--n", 7, "--label", "0,1,2", "--out", out) == 0
    np.testing.assert_allclose(np.load(out), _expected(run_dir, registry, [0, 0, 0, 1, 1, 2, 2]), atol=1e-6)
    png = tmp_path / "blocks.png"
    assert cli("sample", run_dir, "--n", 30, "--label", "0,1,2", "--out", png) == 0 and png.stat().st_size > 0


def test_without_label_the_classes_come_in_turn(
    run_dir: Path, registry: Registry, cli: Callable[..., int], tmp_path: Path
) -> None:
    out = tmp_path / "all.npy"
    assert cli("sample", run_dir, "--n", 12, "--seed", 3, "--out", out) == 0
    np.testing.assert_allclose(np.load(out), _expected(run_dir, registry, [*range(10), 0, 1], seed=3), atol=1e-6)


@pytest.mark.parametrize(("label", "bad"), [("10", "10"), ("3,12", "12"), ("=-1", "-1")])
def test_a_label_outside_the_classes_is_one_line_and_exit_code_2(
    run_dir: Path, cli: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, bad: str
) -> None:
    out = tmp_path / "never.npy"
    flag = ["--label" + label] if label.startswith("=") else ["--label", label]
    assert cli("sample", run_dir, *flag, "--out", out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--label" in err and "[0, 9]" in err and err.endswith(bad)
    assert not out.exists()


def test_a_label_that_is_not_a_number_is_a_usage_error(
    run_dir: Path, cli: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("sample", run_dir, "--label", "seven", "--out", tmp_path / "x.npy") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--label" in err and "'seven'" in err


class _UnlabelledData:
    """A test plugin: a data set of images without labels, as an unsorted image folder would be."""

    @hookimpl
    def gan_register_datasets(self, register: Callable[[DatasetSpec], None]) -> None:
        def load(_options: object) -> LoadedData:
            x = torch.rand(32, 1, 28, 28) * 2 - 1
            return LoadedData(InMemoryDataset(x), DataInfo(shape=(1, 28, 28), kind="image"))

        register(DatasetSpec("unlabelled", load, "32 random images, no labels"))


def test_training_on_an_unlabelled_data_set_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = create_registry(plugins=[gan_plugin_cgan.plugin, _UnlabelledData()], entry_points=False)
    argv = ["train", "cgan", "--dataset", "unlabelled", "--steps", "1", "--out", str(tmp_path / "r"), *TINY]
    code = main(argv, registry=registry)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "train.dataset" in err and "labelled data set" in err


def test_the_builder_itself_refuses_data_without_classes() -> None:
    """For code that calls the builder directly (not through the trainer, which checks first)."""
    with pytest.raises(ConfigError, match=r"train\.dataset: cgan needs a labelled data set"):
        build(CGANConfig(), DataInfo(shape=(1, 28, 28), kind="image"))


def test_an_unknown_loss_is_one_line_and_exit_code_2(
    tmp_path: Path, cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    """``model.loss`` names any registered loss; one nobody registered is refused when the game is built."""
    assert cli("train", "cgan", "--steps", 1, "--out", tmp_path / "r", *TINY, "--set", "loss=hnge") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    available = "hinge, least-squares, minimax, non-saturating, rpgan"
    assert err == f"gan train: error: model.loss: unknown loss 'hnge'; available: {available}"
    assert not (tmp_path / "r").exists()


def test_conv_backbone_on_points_is_one_line_and_exit_code_2(
    tmp_path: Path, cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("train", "cgan", "--dataset", "ring8", "--out", tmp_path / "r", *TINY) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "model.backbone: 'conv' needs image data, got points; use backbone = 'mlp'" in err


def test_conv_backbone_on_an_image_size_dcgan_cannot_draw_names_the_sizes_that_work() -> None:
    with pytest.raises(ConfigError, match=r"model\.backbone: 'conv': image size must be 4\.\.7 times a power of two"):
        build(CGANConfig(), DataInfo(shape=(1, 18, 18), kind="image", num_classes=10))
    build(CGANConfig(backbone="mlp"), DataInfo(shape=(1, 18, 18), kind="image", num_classes=10))  # the MLP can


def test_ring8_with_the_mlp_backbone_trains_and_samples_a_chosen_mode(
    tmp_path: Path, cli: Callable[..., int], registry: Registry
) -> None:
    run = tmp_path / "ring"
    argv = ["train", "cgan", "--dataset", "ring8", "--steps", "2", "--out", run, "--set", "backbone=mlp"]
    assert cli(*argv, "--set", "g_hidden=[16]", "--set", "d_hidden=[16]", *TINY) == 0
    out = tmp_path / "mode5.npy"
    assert cli("sample", run, "--n", 4, "--label", 5, "--out", out) == 0
    np.testing.assert_allclose(np.load(out), _expected(run, registry, [5] * 4), atol=1e-6)
