"""The ``gan`` command in this process: success paths, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import shutil
import urllib.error
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import numpy as np
import pytest
import tomli_w
import torch
import torchvision.datasets
from core_helpers import TINY_COND, cli_registry, image_data, one_line_error, run_cli
from PIL import Image

import gan_core
from gan_core import GanTrainer, create_registry, hookimpl, load_generator, resolve_config, sample_latent
from gan_core._config import read_toml
from gan_core._rundir import read_jsonl as read_log


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    registry = cli_registry()
    return lambda *argv: run_cli([str(a) for a in argv], capsys, registry)


@pytest.fixture(scope="module")
def point_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "points"
    config = resolve_config(core_tiny.TINY, flags={"steps": 2})
    GanTrainer(core_tiny.TINY, config, run, registry=cli_registry()).fit()
    return run


@pytest.fixture(scope="module")
def image_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "images"
    config = resolve_config(TINY_COND, flags={"steps": 2, "batch_size": 8})
    GanTrainer(TINY_COND, config, run, registry=cli_registry(), data=image_data(num_classes=4)).fit()
    return run


# --- help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["--help"], ["train", "--help"], ["sample", "--help"], ["plugins", "--help"], ["config", "--help"]]
)
def test_help_exits_zero(cli: Any, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.code == 0 and result.out.startswith("usage: gan") and result.err == ""


def test_top_level_help_lists_the_commands(cli: Any) -> None:
    out = cli("--help").out
    assert all(name in out for name in ("plugins", "config", "train", "sample"))


def test_train_help_documents_the_flags(cli: Any) -> None:
    out = cli("train", "--help").out
    assert all(flag in out for flag in ("--dataset", "--steps", "--out", "--seed", "--config", "--set", "--resume"))


def test_no_command(cli: Any) -> None:
    one_line_error(cli(), "COMMAND", top_level=True)


# --- gan plugins ---------------------------------------------------------------------------------


def test_plugins_lists_core_and_the_test_variant(cli: Any) -> None:
    result = cli("plugins")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    assert lines[0].startswith(f"core {gan_core.__version__} (from gan-core)  ")
    assert "datasets: ring8, grid25, mnist-5k" in lines[0] and "commands: plugins, config, train, sample" in lines[0]
    assert lines[1] == "core_tiny (unknown version)  variants: tiny"


def test_plugins_json_parses(cli: Any) -> None:
    result = cli("plugins", "--json")
    assert result.code == 0
    rows = json.loads(result.out)
    assert [row["name"] for row in rows] == ["core", "core_tiny", "_CondPlugin"]
    assert rows[0]["builtin"] is True and "ring8" in rows[0]["provides"]["dataset"]
    assert rows[0]["distribution"] == "gan-core"
    assert rows[1] == {
        "name": "core_tiny",
        "version": None,
        "distribution": None,  # handed to create_registry, not installed
        "builtin": False,
        "provides": {"variant": ["tiny"]},
        "error": None,
        "skipped": [],
    }


# --- gan train -----------------------------------------------------------------------------------


def test_train_then_resume(cli: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = cli("train", "tiny", "--steps", "2", "--seed", "3", "--out", run, "--set", "log_every=2")
    assert result.code == 0, result.err
    assert result.out.startswith("trained tiny to step 2 (d_loss ") and result.out.endswith(f"run directory: {run}\n")
    saved = read_toml(run / "config.toml")
    assert (saved["train"]["seed"], saved["train"]["log_every"], saved["train"]["steps"]) == (3, 2, 2)

    resumed = cli("train", "tiny", "--out", run, "--resume", "--steps", "4")
    assert resumed.code == 0, resumed.err
    assert [r["step"] for r in read_log(run / "log.jsonl")] == [2, 4]
    assert read_toml(run / "config.toml")["train"] == {**saved["train"], "steps": 4}


def test_config_file_flags_and_set(cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "my.toml"
    config.write_text(
        tomli_w.dumps({"variant": "tiny", "train": {"steps": 9, "batch_size": 8, "seed": 4}, "model": {"hidden": 5}})
    )
    run = tmp_path / "run"
    result = cli(
        "train",
        "tiny",
        "--config",
        config,
        "--steps",
        "2",
        "--set",
        "batch_size=4",
        "--set",
        "model.lr=0.01",
        "--out",
        run,
    )
    assert result.code == 0, result.err
    train, model = read_toml(run / "config.toml")["train"], read_toml(run / "config.toml")["model"]
    assert (train["steps"], train["batch_size"], train["seed"]) == (2, 4, 4)
    assert (model["hidden"], model["lr"]) == (5, 0.01)


def test_default_out_is_under_runs(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("train", "tiny", "--steps", "1").code == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("tiny-ring8-") and (run / "checkpoints" / "step_00000001").is_dir()


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["train", "nope"], ["unknown variant 'nope'", "available: tiny, tiny-cond"]),
        (["train", "tiny", "--dataset", "nope"], ["unknown dataset 'nope'", "available:", "mnist-5k", "ring8"]),
        (["train", "tiny", "--steps", "-5"], ["train.steps: must be > 0, got -5"]),
        (["train", "tiny", "--steps", "0"], ["train.steps: must be > 0, got 0"]),
        (["train", "tiny", "--set", "nope=1"], ["nope: unknown key; allowed: train.dataset"]),
        (["train", "tiny", "--set", "train.nope=1"], ["train.nope: unknown key; allowed: dataset, steps"]),
        (["train", "tiny", "--set", "steps=abc"], ["train.steps: expected an integer, got 'abc'"]),
        (["train", "tiny", "--set", "seed=1"], ["ambiguous key"]),
        (["train", "tiny", "--set", "mixed_precision=fp8"], ["train.mixed_precision: must be 'no', 'fp16' or 'bf16'"]),
        (["train", "tiny", "--set", "steps"], ["--set: expected KEY=VALUE"]),
        (["train", "tiny", "--steps", "abc"], ["--steps", "invalid int value: 'abc'"]),
        (["train", "tiny", "--bogus"], ["unrecognized arguments: --bogus"]),
        (["train", "tiny", "--config", "missing.toml"], ["--config: no such file"]),
        (["train", "tiny", "--resume"], ["--resume: needs --out"]),
        (["train"], ["VARIANT"]),
        (["sample"], ["RUN_DIR"]),
    ],
)
def test_train_errors_are_one_line(cli: Any, tmp_path: Path, argv: list[str], fragments: list[str]) -> None:
    run = tmp_path / "run"
    if argv[0] == "train" and len(argv) > 1 and "--resume" not in argv and "--out" not in argv:
        argv = [*argv, "--out", str(run)]
    # argparse reports a flag no parser knows from the top-level parser: "gan: error: ..."
    one_line_error(cli(*argv), *fragments, top_level=fragments[0].startswith("unrecognized arguments"))
    assert not (run / "log.jsonl").exists()


def test_resume_on_a_directory_without_a_run(cli: Any, tmp_path: Path) -> None:
    one_line_error(cli("train", "tiny", "--resume", "--out", tmp_path), "--resume", "holds no run")


def test_resume_keeps_the_configuration(cli: Any, point_run: Path) -> None:
    one_line_error(
        cli("train", "tiny", "--resume", "--out", point_run, "--seed", "3"),
        "only --steps and the thread settings may change",
        "--seed gives train.seed = 3, but the run in",
        "has 0",
    )
    one_line_error(
        cli("train", "tiny", "--resume", "--out", point_run, "--set", "lr=1"), "--set gives model.lr = 1.0", "0.001"
    )


def test_resume_accepts_the_command_line_that_started_the_run(cli: Any, point_run: Path, tmp_path: Path) -> None:
    """The same flags, --set values and --config file as the saved ones: the run continues."""
    run = tmp_path / "run"
    shutil.copytree(point_run, run)
    config = tmp_path / "my.toml"
    config.write_text('[model]\nhidden = 16\n[train]\ndataset = "ring8"\n')
    argv = ["train", "tiny", "--out", run, "--seed", "0", "--dataset", "ring8", "--set", "lr=0.001"]
    resumed = cli(*argv, "--config", config, "--resume", "--steps", "3")
    assert resumed.code == 0, resumed.err
    changed = cli(*argv, "--config", config, "--set", "hidden=8", "--resume", "--steps", "4")
    one_line_error(changed, "--set gives model.hidden = 8", "has 16")


def test_resume_may_change_the_thread_count(cli: Any, point_run: Path, tmp_path: Path) -> None:
    """threads changes the speed, not the result: a busy machine's user may lower it on --resume."""
    run = tmp_path / "run"
    shutil.copytree(point_run, run)
    threads = torch.get_num_threads()
    try:
        resumed = cli("train", "tiny", "--out", run, "--set", "threads=1", "--resume", "--steps", "3")
        assert resumed.code == 0, resumed.err
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert "\nthreads = 1\n" in (run / "config.toml").read_text()  # saved, as a resumed run's --steps is


def test_resume_to_fewer_steps_is_one_line(cli: Any, point_run: Path) -> None:
    one_line_error(
        cli("train", "tiny", "--resume", "--out", point_run, "--steps", "1"),
        "train.steps: must be >= the checkpoint's step (2)",
    )


def test_training_into_an_existing_run_is_one_line(cli: Any, point_run: Path) -> None:
    one_line_error(cli("train", "tiny", "--out", point_run), "already holds a run", "--resume")


def test_offline_dataset_is_one_line_and_the_directory_stays_usable(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Offline:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "MNIST", Offline)
    run = tmp_path / "run"
    line = one_line_error(
        cli("train", "tiny", "--dataset", "mnist", "--out", run, "--set", f"data_root={tmp_path}"),
        "offline",
        "mnist-5k",
    )
    assert line.startswith("gan train: error: data set 'mnist'")
    assert cli("train", "tiny", "--steps", "1", "--out", run).code == 0  # the same --out, now with ring8


# --- gan sample ----------------------------------------------------------------------------------


def sample(cli: Any, run: Path, out: Path, *extra: object) -> np.ndarray:
    result = cli("sample", run, "--out", out, *extra)
    assert result.code == 0, result.err
    assert result.out == ""
    return np.load(out)


def test_sample_npy(cli: Any, point_run: Path, tmp_path: Path) -> None:
    samples = sample(cli, point_run, tmp_path / "x.npy", "--n", "50")
    assert samples.shape == (50, 2) and samples.dtype == np.float32 and np.isfinite(samples).all()
    run = load_generator(point_run, cli_registry())
    with torch.no_grad():
        expected = run.generator(sample_latent(50, run.latent_dim, seed=0)).numpy()
    np.testing.assert_array_equal(samples, expected)  # the default seed is 0, the latest checkpoint's weights


def test_sample_seeds(cli: Any, point_run: Path, tmp_path: Path) -> None:
    a = sample(cli, point_run, tmp_path / "a.npy", "--n", "20", "--seed", "5")
    b = sample(cli, point_run, tmp_path / "b.npy", "--n", "20", "--seed", "5")
    c = sample(cli, point_run, tmp_path / "c.npy", "--n", "20", "--seed", "6")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sample_images(cli: Any, image_run: Path, tmp_path: Path) -> None:
    samples = sample(cli, image_run, tmp_path / "x.npy", "--n", "6", "--label", "3")
    assert samples.shape == (6, 1, 8, 8) and samples.min() >= -1 and samples.max() <= 1
    result = cli("sample", image_run, "--n", "16", "--out", tmp_path / "sub" / "grid.png")
    assert result.code == 0
    with Image.open(tmp_path / "sub" / "grid.png") as grid:
        assert grid.format == "PNG" and grid.size == (4 * 8 + 5 * 2, 4 * 8 + 5 * 2)


def test_sample_points_png(cli: Any, point_run: Path, tmp_path: Path) -> None:
    assert cli("sample", point_run, "--n", "30", "--out", tmp_path / "scatter.png").code == 0
    with Image.open(tmp_path / "scatter.png") as image:
        assert image.format == "PNG"


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--n", "0", "--out", "x.npy"], ["--n: must be > 0, got 0"]),
        (["--n", "-3", "--out", "x.npy"], ["--n: must be > 0, got -3"]),
        (["--out", "x.txt"], ["--out: must end in '.png' or '.npy', got 'x.txt'"]),
        (["--out", "x.npy", "--label", "1"], ["--label", "unconditional"]),
        (["--n", "many", "--out", "x.npy"], ["--n", "invalid int value"]),
        ([], ["--out"]),
    ],
)
def test_sample_errors_are_one_line(cli: Any, point_run: Path, extra: list[str], fragments: list[str]) -> None:
    one_line_error(cli("sample", point_run, *extra), *fragments)


def test_sample_label_out_of_range(cli: Any, image_run: Path, tmp_path: Path) -> None:
    one_line_error(
        cli("sample", image_run, "--out", tmp_path / "x.npy", "--label", "4"), "--label: must be in [0, 3], got 4"
    )


def test_sample_several_labels(cli: Any, image_run: Path, tmp_path: Path) -> None:
    samples = sample(cli, image_run, tmp_path / "x.npy", "--n", "7", "--label", "0,1,2")
    assert samples.shape == (7, 1, 8, 8)


@pytest.mark.parametrize(
    ("label", "fragments"),
    [
        ("1,9", ["--label: must be in [0, 3], got 9"]),
        ("a", ["--label", "separated by commas", "'a'"]),
        ("1,", ["--label"]),
    ],
)
def test_sample_bad_label_lists(cli: Any, image_run: Path, tmp_path: Path, label: str, fragments: list[str]) -> None:
    one_line_error(cli("sample", image_run, "--out", tmp_path / "x.npy", "--label", label), *fragments)


def test_grid_labels_blocks() -> None:
    from gan_core import grid_labels

    assert grid_labels(7, 10, (0, 1, 2)).tolist() == [0, 0, 0, 1, 1, 2, 2]  # the first blocks are one longer
    assert grid_labels(4, 10, 7).tolist() == [7, 7, 7, 7]
    assert grid_labels(5, 3).tolist() == [0, 1, 2, 0, 1]
    assert grid_labels(5, None, (1,)) is None


def test_sample_from_something_that_is_not_a_run(cli: Any, tmp_path: Path) -> None:
    one_line_error(cli("sample", tmp_path, "--out", tmp_path / "x.npy"), "not a run directory")


def test_sample_a_run_whose_plugin_is_gone(point_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = create_registry(entry_points=False)
    result = run_cli(["sample", str(point_run), "--out", str(tmp_path / "x.npy")], capsys, bare)
    one_line_error(result, "unknown variant 'tiny'; available: none installed")


def test_sample_a_run_without_a_checkpoint(cli: Any, point_run: Path, tmp_path: Path) -> None:
    stub = tmp_path / "stub"
    shutil.copytree(point_run, stub, ignore=shutil.ignore_patterns("checkpoints"))
    one_line_error(cli("sample", stub, "--out", tmp_path / "x.npy"), "has no checkpoint yet")


def test_loader_config_errors_are_one_line(cli: Any, tmp_path: Path) -> None:
    argv = ["train", "tiny", "--dataset", "image-folder", "--set", f"data_root={tmp_path}", "--out", tmp_path / "run"]
    one_line_error(cli(*argv), "train.image_size: must be > 0 for the image-folder data set")


def test_main_returns_exit_codes_for_help_and_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from gan_core.cli import main

    assert main(["--help"]) == 0
    assert main(["train", "--steps", "abc"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_run_records_its_variant_by_plugin_so_a_later_namesake_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """config.toml says which plugin's variant trained the run; installing another plugin with a variant
    of the same name makes the bare name ambiguous, but the run still samples and resumes."""
    run = tmp_path / "run"
    alone = cli_registry()
    assert run_cli(["train", "tiny", "--steps", "2", "--out", str(run)], capsys, alone).code == 0
    assert read_toml(run / "config.toml")["variant"] == "core_tiny:tiny"

    class _Namesake:
        @hookimpl
        def gan_register_variants(self, register: Any) -> None:
            register(attrs.evolve(core_tiny.TINY, description="another tiny"))

    crowded = create_registry(plugins={"core_tiny": core_tiny, "other": _Namesake()}, entry_points=False)
    sampled = run_cli(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.npy")], capsys, crowded)
    assert sampled.code == 0, sampled.err
    resumed = run_cli(["train", "core_tiny:tiny", "--out", str(run), "--resume", "--steps", "3"], capsys, crowded)
    assert resumed.code == 0, resumed.err
    ambiguous = run_cli(["train", "tiny", "--out", str(tmp_path / "new")], capsys, crowded)
    one_line_error(ambiguous, "ambiguous variant 'tiny'", "core_tiny:tiny, other:tiny")
    listing = run_cli(["plugins"], capsys, crowded).out
    assert "core_tiny (unknown version)  variants: core_tiny:tiny (ambiguous)" in listing
    assert "other (unknown version)  variants: other:tiny (ambiguous)" in listing
