"""End to end through the ``gan`` command: train dcgan on the embedded MNIST digits, then sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gan_core import Registry
from gan_core.cli import main

# the default networks shrunk through --set, so that the test takes seconds
_TINY = ["--set", "progress=false", "--set", "g_width=4", "--set", "d_width=4", "--set", "batch_size=16"]


def test_train_then_sample_at_a_resized_resolution(tmp_path: Path, registry: Registry) -> None:
    run = tmp_path / "run"
    argv = ["train", "dcgan", "--steps", "3", "--out", str(run), *_TINY, "--set", "image_size=32"]
    assert main(argv, registry=registry) == 0
    assert (run / "checkpoints" / "step_00000003").is_dir()
    out = tmp_path / "s.npy"
    assert main(["sample", str(run), "--n", "10", "--out", str(out)], registry=registry) == 0
    samples = np.load(out)
    assert samples.shape == (10, 1, 32, 32) and np.isfinite(samples).all() and np.abs(samples).max() <= 1
    assert main(["sample", str(run), "--n", "16", "--out", str(tmp_path / "grid.png")], registry=registry) == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--dataset", "ring8"], "train.dataset"),  # points: dcgan is an image variant
        (["--set", "image_size=30"], "train.image_size"),  # 30 is not 4..7 times a power of two
        (["--set", "norm=instance"], "model.norm"),
        (["--set", "loss=hnge"], "model.loss"),  # no such registered loss: refused when the game is built
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    args: list[str],
    field: str,
    tmp_path: Path,
    registry: Registry,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["train", "dcgan", "--steps", "1", "--out", str(tmp_path / "r"), *_TINY, *args], registry=registry)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"gan train: error: {field}: ")
    assert not (tmp_path / "r").exists()  # every check comes before the run directory is written
