"""Bad input to ``gan train`` and ``gan sample`` ends in one line and exit code 2, never a traceback.

Each test here is one row of the audit in issue 15 (what a user or a damaged run directory can hand the
command line): out-of-range seeds, non-finite settings, config files that are folders, not UTF-8 or
unreadable, a garbled ``config.toml`` in a run, impossible ``--n`` and ``--label``, a generator that
gives NaN, and corrupt images in an image folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import numpy as np
import pytest
from core_helpers import TINY_COND, CliResult, cli_registry, image_data, one_line_error, run_cli
from PIL import Image

from gan_core import (
    ConfigError,
    DataOptions,
    DatasetSpec,
    DataUnavailableError,
    Game,
    GanTrainer,
    GanWarning,
    create_registry,
    grid_labels,
    hookimpl,
    resolve_config,
)
from gan_core._config import load_run_config, read_toml
from gan_core.data import vision


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    registry = cli_registry()
    return lambda *argv: run_cli([str(a) for a in argv], capsys, registry)


@pytest.fixture(scope="module")
def point_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "points"
    GanTrainer(core_tiny.TINY, resolve_config(core_tiny.TINY, flags={"steps": 2}), run, registry=cli_registry()).fit()
    return run


@pytest.fixture(scope="module")
def cond_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "cond"
    config = resolve_config(TINY_COND, flags={"steps": 2, "batch_size": 8})
    GanTrainer(TINY_COND, config, run, registry=cli_registry(), data=image_data(num_classes=4)).fit()
    return run


def train_argv(out: Path, *extra: object) -> list[object]:
    return ["train", "tiny", "--out", out, *extra]


# --- 1. seeds and non-finite numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--set", "seed=4294967296"], "ambiguous key"),  # tiny has model.seed too: the bare key asks which
        (["--set", "train.seed=4294967296"], "train.seed: must be in [0, 4294967295], got 4294967296"),
        (["--seed", "4294967296"], "train.seed: must be in [0, 4294967295], got 4294967296"),
        (["--seed", "-1"], "train.seed: must be in [0, 4294967295], got -1"),
        (["--set", "model.lr=inf"], "model.lr: must be a finite number, got inf"),
        (["--set", "lr=-inf"], "model.lr: must be a finite number, got -inf"),
        (["--set", "lr=nan"], "model.lr: must be a finite number, got nan"),
        (["--set", "train.ema=inf"], "train.ema: must be a finite number, got inf"),
        (["--set", "train.r1=nan"], "train.r1: must be a finite number, got nan"),
        (["--set", "betas=[0.5, inf]"], "must be a finite number, got inf"),
    ],
)
def test_seeds_out_of_range_and_non_finite_settings(
    cli: Callable[..., CliResult], tmp_path: Path, extra: list[str], expected: str
) -> None:
    run = tmp_path / "run"
    line = one_line_error(cli(*train_argv(run, *extra)), expected)
    assert line.startswith("gan train: error: ")
    assert not (run / "log.jsonl").exists()


def test_a_non_finite_setting_in_a_config_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('variant = "tiny"\n[model]\nlr = inf\n[train]\nd_steps = 1\n')
    one_line_error(cli(*train_argv(tmp_path / "run", "--config", config)), "model.lr: must be a finite number, got inf")


def test_the_largest_seed_trains(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    assert cli(*train_argv(tmp_path / "run", "--steps", "1", "--set", "train.seed=4294967295")).code == 0


# --- 2. config files that are not readable TOML ---------------------------------------------------


def _non_utf8(path: Path) -> Path:
    path.write_bytes(b'variant = "tiny"\n# caf\xe9 in Latin-1\n')
    return path


def test_config_that_is_a_folder(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    one_line_error(cli(*train_argv(tmp_path / "run", "--config", tmp_path)), f"--config: {tmp_path} is a folder")


def test_config_that_is_not_utf8(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = _non_utf8(tmp_path / "latin1.toml")
    one_line_error(
        cli(*train_argv(tmp_path / "run", "--config", path)),
        f"--config: {path} is not UTF-8 text (byte 0xe9 at offset 22)",
    )


def _refuse_to_open(monkeypatch: pytest.MonkeyPatch, target: Path, error: OSError) -> None:
    """Make ``target`` unreadable whoever runs the test (root reads files whatever their mode says)."""
    real_open = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == target:
            raise error
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)


def test_config_that_cannot_be_read(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.toml"
    path.write_text('variant = "tiny"\n')
    _refuse_to_open(monkeypatch, path, PermissionError(13, "Permission denied", str(path)))
    one_line_error(cli(*train_argv(tmp_path / "run", "--config", path)), f"--config: cannot read {path}: permission")
    _refuse_to_open(monkeypatch, path, OSError(5, "Input/output error", str(path)))
    one_line_error(cli(*train_argv(tmp_path / "run", "--config", path)), "Input/output error")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_config_without_read_permission(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text('variant = "tiny"\n')
    path.chmod(0)
    one_line_error(cli(*train_argv(tmp_path / "run", "--config", path)), "permission denied")


GARBLED = {
    "not TOML": b"[train\nsteps = 1\n",
    "not UTF-8": b'variant = "tiny"\n\xff\xfe\x00garbage\n',
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("kind", sorted(GARBLED))
@pytest.mark.parametrize("command", ["sample", "resume"])
def test_a_garbled_config_toml_in_a_run_names_that_file(
    cli: Callable[..., CliResult], point_run: Path, tmp_path: Path, kind: str, command: str
) -> None:
    run = tmp_path / "damaged"
    shutil.copytree(point_run, run)
    (run / "config.toml").write_bytes(GARBLED[kind])
    argv = ["sample", run, "--out", tmp_path / "x.npy"] if command == "sample" else train_argv(run, "--resume")
    line = one_line_error(cli(*argv), f"RUN_DIR/config.toml: {run / 'config.toml'} is not")
    assert "--config" not in line
    assert not (tmp_path / "x.npy").exists()


def test_read_toml_names_the_flag_or_the_file_in_the_directory(tmp_path: Path) -> None:
    path = _non_utf8(tmp_path / "config.toml")
    with pytest.raises(ConfigError) as by_flag:
        read_toml(path)
    with pytest.raises(ConfigError) as in_run:
        read_toml(path, field="RUN_DIR")
    with pytest.raises(ConfigError) as loaded:
        load_run_config(core_tiny.TINY, path)
    assert by_flag.value.field == "--config"
    assert in_run.value.field == loaded.value.field == "RUN_DIR/config.toml"
    for error in (by_flag.value, in_run.value, loaded.value):
        assert "\n" not in str(error) and str(path) in str(error)


# --- 3. gan sample --------------------------------------------------------------------------------


def test_more_labels_than_samples_is_refused(cli: Callable[..., CliResult], cond_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.npy"
    one_line_error(
        cli("sample", cond_run, "--n", "3", "--label", "0,1,2,3", "--out", out),
        "--label: names 4 classes but --n asks for 3 samples",
    )
    assert not out.exists()


def test_as_many_samples_as_labels_draws_every_class() -> None:
    for k in range(1, 6):
        for n in range(k, 3 * k + 2):
            labels = grid_labels(n, 10, tuple(range(k))).tolist()
            assert len(labels) == n and sorted(set(labels)) == list(range(k)), (n, k, labels)
            assert labels == sorted(labels)  # consecutive blocks
            sizes = [labels.count(c) for c in range(k)]
            assert max(sizes) - min(sizes) <= 1, (n, k, sizes)
    with pytest.raises(ValueError, match="5 classes do not fit in 3 samples"):
        grid_labels(3, 10, (0, 1, 2, 3, 4))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--n", str(2**31)], "--n: must be at most 2147483647, got 2147483648"),
        (["--n", str(10**30)], "--n: must be at most 2147483647"),
        (["--seed", str(2**32)], "--seed: must be in [0, 4294967295], got 4294967296"),
        (["--seed", "-1"], "--seed: must be in [0, 4294967295], got -1"),
    ],
)
def test_sample_arguments_out_of_range(
    cli: Callable[..., CliResult], point_run: Path, tmp_path: Path, extra: list[str], expected: str
) -> None:
    one_line_error(cli("sample", point_run, "--out", tmp_path / "x.npy", *extra), expected)


@pytest.fixture(scope="module")
def wide_noise_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run whose generator reads 2**16-d noise: the largest --n then asks for 512 TiB of it, which no
    machine allocates (whatever its overcommit policy), so the test never really fills the memory."""
    run = tmp_path_factory.mktemp("runs") / "wide"
    config = resolve_config(
        core_tiny.TINY, flags={"steps": 1, "batch_size": 4}, overrides=["latent_dim=65536", "hidden=2"]
    )
    GanTrainer(core_tiny.TINY, config, run, registry=cli_registry()).fit()
    return run


def test_sample_more_than_memory_holds_is_refused_before_drawing(
    cli: Callable[..., CliResult], wide_noise_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gan_core._commands._available_memory", lambda: 16 * 2**30)
    out = tmp_path / "x.npy"
    one_line_error(
        cli("sample", wide_noise_run, "--n", str(2**31 - 1), "--out", out),
        "--n: out of memory: 2147483647 samples need about 524336.0 GiB and 16.0 GiB is available; lower --n",
    )
    assert not out.exists()


def test_this_machines_free_memory_is_read() -> None:
    from gan_core._commands import _available_memory

    available = _available_memory()
    assert available is None or available > 0
    if Path("/proc/meminfo").exists():
        assert available is not None


def test_the_memory_estimate_counts_inputs_and_outputs(
    cli: Callable[..., CliResult], point_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tiny on ring8: 4-d noise and 2-d points, 4 bytes each, outputs counted three times: 40 bytes a sample."""
    monkeypatch.setattr("gan_core._commands._available_memory", lambda: 40 * 1000)
    assert cli("sample", point_run, "--n", "1000", "--out", tmp_path / "fits.npy").code == 0
    one_line_error(
        cli("sample", point_run, "--n", "1001", "--out", tmp_path / "x.npy"),
        "--n: out of memory: 1001 samples need about 0.0 GiB and 0.0 GiB is available; lower --n",
    )


def test_an_allocation_that_fails_anyway_is_one_line(
    cli: Callable[..., CliResult], wide_noise_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the free memory is unknown (no /proc/meminfo), torch's failed allocation is what stops it."""
    monkeypatch.setattr("gan_core._commands._available_memory", lambda: None)
    out = tmp_path / "x.npy"
    line = one_line_error(cli("sample", wide_noise_run, "--n", str(2**31 - 1), "--out", out), "out of memory")
    assert "--n:" not in line and not out.exists()


def _nan_build(config: Any, data: Any) -> Game:
    """``tiny``'s game with a generator that answers NaN: what a diverged run's weights give."""
    game = core_tiny.build(config, data)
    game.generator.register_forward_hook(lambda module, inputs, output: output * float("nan"))
    return game


class _NanTiny:
    @hookimpl
    def gan_register_variants(self, register: Any) -> None:
        register(attrs.evolve(core_tiny.TINY, build=_nan_build))


@pytest.mark.parametrize("suffix", [".npy", ".png"])
def test_non_finite_samples_are_refused_and_nothing_is_written(
    point_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    registry = create_registry(plugins={"core_tiny": _NanTiny()}, entry_points=False)  # the run's plugin name
    out = tmp_path / f"x{suffix}"
    result = run_cli(["sample", str(point_run), "--n", "10", "--out", str(out)], capsys, registry)
    one_line_error(result, "RUN_DIR: 10 of 10 samples are not finite (NaN or inf)", "nothing was written")
    assert not out.exists()


def test_finite_samples_are_still_written(cli: Callable[..., CliResult], point_run: Path, tmp_path: Path) -> None:
    result = cli("sample", point_run, "--n", "10", "--out", tmp_path / "x.npy")
    assert result.code == 0, result.err
    assert np.isfinite(np.load(tmp_path / "x.npy")).all()


# --- 4. corrupt images in an image folder ---------------------------------------------------------


def _png(path: Path, seed: int) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def image_folder(root: Path, good: int = 4) -> Path:
    """``good`` PNGs and one cut in half, in a flat (unlabelled) folder."""
    root.mkdir()
    for i in range(good):
        _png(root / f"good_{i}.png", i)
    whole = _png(root / "zz_truncated.png", 99).read_bytes()
    (root / "zz_truncated.png").write_bytes(whole[: len(whole) // 2])
    return root


def folder_argv(out: Path, root: Path, *extra: object) -> list[object]:
    settings = ["--set", f"data_root={root}", "--set", "image_size=8", "--set", "batch_size=2"]
    return train_argv(out, "--dataset", "image-folder", "--steps", "1", *settings, *extra)


def test_a_corrupt_image_stops_training_before_it_starts(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root = image_folder(tmp_path / "images")
    run = tmp_path / "run"
    line = one_line_error(
        cli(*folder_argv(run, root)),
        f"train.data_root: 1 of 5 images in {root} cannot be read, the first: {root / 'zz_truncated.png'}",
        "train.bad_images=skip",
    )
    assert line.startswith("gan train: error: ")
    assert not (run / "log.jsonl").exists() and not (run / "checkpoints").exists()


def test_corrupt_images_are_skipped_with_one_warning(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root = image_folder(tmp_path / "images")
    (root / "garbage.png").write_bytes(b"this is no PNG")
    run = tmp_path / "run"
    result = cli(*folder_argv(run, root, "--set", "bad_images=skip"))
    assert result.code == 0, result.err
    skipped = [line for line in result.err_lines if "bad_images" in line]
    assert len(skipped) == 1, result.err
    assert skipped[0].startswith("gan: warning: train.bad_images=skip: ")
    assert f"left out 2 of 6 images in {root}" in skipped[0] and str(root / "garbage.png") in skipped[0]
    assert (run / "log.jsonl").exists()
    assert 'bad_images = "skip"' in (run / "config.toml").read_text()


def test_bad_images_takes_only_error_or_skip(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    one_line_error(
        cli(*train_argv(tmp_path / "run", "--set", "bad_images=ignore")),
        "train.bad_images: must be 'error' or 'skip', got 'ignore'",
    )


def _jpeg(path: Path) -> Path:
    pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG")
    return path


def test_the_check_decodes_every_file_in_every_class_folder(tmp_path: Path) -> None:
    """``verify`` alone passes a truncated JPEG; the check decodes it, in a labelled layout too."""
    root = tmp_path / "classes"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        _png(root / name / "a.png", 1)
        _png(root / name / "b.png", 2)
    whole = _jpeg(root / "dog" / "c.jpg").read_bytes()
    (root / "dog" / "c.jpg").write_bytes(whole[: 2 * len(whole) // 3])
    (root / "cat" / "not-an-image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)

    with pytest.raises(DataUnavailableError) as refused:
        vision.load_image_folder(DataOptions(root=root, image_size=8))
    assert "2 of 6 images" in str(refused.value) and str(root / "cat" / "not-an-image.png") in str(refused.value)
    assert "\n" not in str(refused.value)

    with pytest.warns(GanWarning, match="left out 2 of 6 images"):
        loaded = vision.load_image_folder(DataOptions(root=root, image_size=8, bad_images="skip"))
    assert len(loaded.dataset) == 4 and loaded.info.num_classes == 2  # type: ignore[arg-type]
    assert all(path.name in {"a.png", "b.png"} for path, _ in loaded.dataset.items)  # type: ignore[attr-defined]
    image, label = loaded.dataset[3]
    assert image.shape == (3, 8, 8) and int(label) == 1


def test_skipping_every_image_leaves_nothing_to_train_on(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "a.png").write_bytes(b"nope")
    with pytest.raises(DataUnavailableError, match=r"1 of 1 images .* nothing is left to train on"):
        vision.load_image_folder(DataOptions(root=root, image_size=8, bad_images="skip"))


def test_an_image_that_breaks_after_the_check_is_one_line(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "images", good=2)
    (root / "zz_truncated.png").unlink()
    loaded = vision.load_image_folder(DataOptions(root=root, image_size=8))
    (root / "good_1.png").write_bytes(b"replaced by something else")
    with pytest.raises(DataUnavailableError, match=r"^train\.data_root: cannot read .*good_1\.png \("):
        loaded.dataset[1]


def test_the_train_setting_reaches_the_loader() -> None:
    seen: list[DataOptions] = []

    def load(options: DataOptions) -> Any:
        seen.append(options)
        return image_data()

    class Catalog:
        def dataset(self, name: str) -> Any:
            return vision_spec(name, load)

    config = resolve_config(core_tiny.TINY, overrides=["bad_images=skip"])
    core_tiny.TINY.load_training_data(config, Catalog())
    assert [options.bad_images for options in seen] == ["skip"]
    assert DataOptions(root=Path(".")).bad_images == "error"  # the default, for loaders called directly


def vision_spec(name: str, load: Callable[[DataOptions], Any]) -> DatasetSpec:
    return DatasetSpec(name, load)
