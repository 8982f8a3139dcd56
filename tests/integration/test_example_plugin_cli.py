"""The example plugin driven through the installed ``gan`` command, as docs/user-guide.md describes.

The run directory, ``--config`` and ``--set`` precedence, resume to a new total, and sampling, for a
variant that gan-core knows only through its entry point.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from integration_support import TINY_EXAMPLE, gan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CADENCE = (
    "--set",
    "log_every=2",
    "--set",
    "sample_every=3",
    "--set",
    "checkpoint_every=3",
    "--set",
    "keep_checkpoints=2",
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("example-cli")


@pytest.fixture(scope="module")
def run_dir(workdir: Path) -> Path:
    """Six steps of lsgan-example on ring8 (its default data set), then resumed to a total of eight."""
    first = gan("train", "lsgan-example", "--steps", "6", "--out", "run", *TINY_EXAMPLE, *CADENCE, cwd=workdir)
    assert first.code == 0, first.err
    assert first.out.startswith("trained lsgan-example to step 6 (d_loss ")
    resumed = gan("train", "lsgan-example", "--out", "run", "--resume", "--steps", "8", cwd=workdir)
    assert resumed.code == 0, resumed.err
    assert resumed.out.startswith("trained lsgan-example to step 8 ")
    return workdir / "run"


def test_run_directory_layout(run_dir: Path) -> None:
    config = tomllib.loads((run_dir / "config.toml").read_text())
    assert config["variant"] == "example:lsgan-example"  # the plugin's name too: unambiguous whatever is installed
    assert config["train"]["dataset"] == "ring8"  # the variant's train_defaults
    assert config["train"]["steps"] == 8  # the resumed total is what the directory now describes
    assert config["model"]["g_hidden"] == [16]
    assert json.loads((run_dir / "data.json").read_text())["shape"] == [2]
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == [
        "step_00000003.png",
        "step_00000006.png",
        "step_00000008.png",
    ]
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["step_00000006", "step_00000008"]
    assert (run_dir / "checkpoints" / "step_00000008" / "generator.safetensors").is_file()
    assert (run_dir / "loss_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_log_continues_after_resume_without_repeating_steps(run_dir: Path) -> None:
    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6, 8]
    assert all(set(r) >= {"d_loss", "g_loss", "elapsed_s"} for r in records)
    assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in records)


def test_resumed_run_equals_the_uninterrupted_one(run_dir: Path, workdir: Path) -> None:
    straight = gan("train", "lsgan-example", "--steps", "8", "--out", "straight", *TINY_EXAMPLE, *CADENCE, cwd=workdir)
    assert straight.code == 0, straight.err
    name = "checkpoints/step_00000008/generator.safetensors"
    assert (workdir / "straight" / name).read_bytes() == (run_dir / name).read_bytes()


def test_sample_npy_is_deterministic_per_seed(run_dir: Path, workdir: Path) -> None:
    for out, seed in (("a.npy", "1"), ("b.npy", "1"), ("c.npy", "2")):
        sampled = gan("sample", str(run_dir), "--n", "16", "--out", out, "--seed", seed, cwd=workdir)
        assert sampled.code == 0, sampled.err
    a, b, c = (np.load(workdir / name) for name in ("a.npy", "b.npy", "c.npy"))
    assert a.shape == (16, 2) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sample_png_is_a_scatter_plot_for_points(run_dir: Path, workdir: Path) -> None:
    sampled = gan("sample", str(run_dir), "--n", "64", "--out", "plot.png", cwd=workdir)
    assert sampled.code == 0, sampled.err
    assert (workdir / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_file_then_flags_then_set(workdir: Path) -> None:
    (workdir / "lsgan.toml").write_text(
        'variant = "lsgan-example"\n'
        "[train]\nsteps = 50\nbatch_size = 16\nseed = 3\nprogress = false\n"
        "[model]\nlatent_dim = 4\ng_hidden = [8]\nd_hidden = [8]\nlr = 1e-3\n"
    )
    trained = gan(
        "train",
        "lsgan-example",
        "--config",
        "lsgan.toml",
        "--steps",
        "2",
        "--set",
        "model.lr=5e-4",
        "--out",
        "from-file",
        cwd=workdir,
    )
    assert trained.code == 0, trained.err
    saved = tomllib.loads((workdir / "from-file" / "config.toml").read_text())
    assert saved["train"]["steps"] == 2  # --steps beats the file
    assert saved["train"]["seed"] == 3  # the file beats the default
    assert saved["model"]["lr"] == 5e-4  # --set beats the file
    assert saved["model"]["g_hidden"] == [8]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("real_target=0.0", "gan train: error: model.real_target: must differ from fake_target (0.0)"),
        ("lr=-1", "gan train: error: model.lr: must be > 0, got -1"),
        ("model.hidden=[8]", "gan train: error: model.hidden: unknown key; allowed: latent_dim, g_hidden,"),
    ],
)
def test_bad_plugin_config_is_one_line_and_exit_2(workdir: Path, override: str, message: str) -> None:
    trained = gan("train", "lsgan-example", "--steps", "1", "--set", override, "--out", "bad", cwd=workdir)
    assert trained.code == 2
    lines = trained.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), trained.err
    assert not (workdir / "bad").exists()
