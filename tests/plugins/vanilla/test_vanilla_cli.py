"""End to end through the ``gan`` command: train vanilla on ring8 for a few steps, then sample."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gan_core import Registry
from gan_core.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_train_then_sample(tmp_path: Path, registry: Registry) -> None:
    run = tmp_path / "run"
    # the default networks, shrunk (through list-valued --set overrides) to keep the test fast
    argv = ["train", "vanilla", "--dataset", "ring8", "--steps", "20", "--out", str(run), "--set", "progress=false"]
    code = main([*argv, "--set", "g_hidden=[32, 32]", "--set", "model.d_hidden=[32, 32]"], registry=registry)
    assert code == 0
    assert (run / "config.toml").exists() and (run / "checkpoints" / "step_00000020").is_dir()
    saved = tomllib.loads((run / "config.toml").read_text())
    assert saved["model"]["g_hidden"] == [32, 32] and saved["train"]["dataset"] == "ring8"

    out = tmp_path / "s.npy"
    assert main(["sample", str(run), "--n", "2500", "--out", str(out)], registry=registry) == 0
    samples = np.load(out)
    assert samples.shape == (2500, 2) and samples.dtype == np.float32
    assert np.isfinite(samples).all()

    again = tmp_path / "again.npy"
    assert main(["sample", str(run), "--n", "2500", "--out", str(again)], registry=registry) == 0
    np.testing.assert_array_equal(np.load(again), samples)  # same default seed, same samples


def test_unknown_loss_from_the_command_line_is_one_line_and_exit_code_2(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """``model.loss`` names any registered loss, so a misspelt one is caught when the game is built,
    still as one line that lists the losses this registry has, and before the run directory is made."""
    argv = ["train", "vanilla", "--dataset", "ring8", "--out", str(tmp_path / "r"), "--set", "loss=margin"]
    assert main(argv, registry=registry) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("gan train: error: model.loss: unknown loss 'margin'; available: ")
    assert "minimax" in err and "non-saturating" in err
    assert not (tmp_path / "r").exists()
