"""End to end through the ``gan`` command: dtn-pretrain, train dtn, then transfer a folder of images."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from dtn_helpers import CLASSIFIER_WEIGHTS, F_WEIGHTS, tiny_source
from PIL import Image

from gan_core import Registry
from gan_core.cli import main
from gan_core.data import rendered
from gan_plugin_dtn.pretrain import read_metadata


@pytest.fixture
def cli(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command line's registry holds the core and DTN only; rendered-digits is 300 images here."""
    monkeypatch.setattr("gan_core.cli.create_registry", lambda: registry)
    monkeypatch.setattr(rendered, "DEFAULT_SIZE", 300)
    rendered.cached_render.cache_clear()
    yield
    rendered.cached_render.cache_clear()


def small_train_argv(tmp_path: Path, run: Path, **extra: object) -> list[str]:
    """``gan train dtn`` for two steps of tiny networks, with ``extra`` settings last."""
    settings: dict[str, object] = {
        "f_weights": str(F_WEIGHTS),
        "classifier_weights": str(CLASSIFIER_WEIGHTS),
        "g_widths": "[16, 8, 4]",
        "d_widths": "[4, 8, 16]",
        "data_root": str(tmp_path / "data"),
        "batch_size": 8,
        "eval_every": 2,
        "grid_size": 8,
        "progress": "false",
        **extra,
    }
    argv = ["train", "dtn", "--steps", "2", "--out", str(run)]
    for key, value in settings.items():
        argv += ["--set", f"{key}={value}"]
    return argv


def small_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    assert main(small_train_argv(tmp_path, run)) == 0
    return run


def test_train_then_transfer_a_folder(tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    run = small_run(tmp_path)
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert any("eval/transfer_accuracy" in line for line in log)

    folder = tmp_path / "mine"
    (folder / "more").mkdir(parents=True)
    images = tiny_source(3, seed=5).images.permute(0, 2, 3, 1).numpy()
    Image.fromarray(images[0]).resize((64, 48)).save(folder / "a.png")  # any size: resized to 32x32
    Image.fromarray(images[1]).save(folder / "more" / "a.jpg")  # same stem, another folder
    Image.fromarray(images[2]).convert("L").save(folder / "grey.bmp")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    assert main(["transfer", str(run), str(folder), "--out", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == ["a.png", "grey.png", "more/a.png", "pairs.png"]
    transfer = np.asarray(Image.open(out / "a.png"))
    assert transfer.shape[:2] == (32, 32)
    assert "wrote 3 transfers" in capsys.readouterr().err


def test_sample_shows_source_digits_beside_their_transfers_and_bad_inputs_are_one_line_errors(
    tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run = small_run(tmp_path)
    capsys.readouterr()
    assert main(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (4, 1, 32, 32)  # transfers into the target domain
    assert main(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.png")]) == 0
    assert Image.open(tmp_path / "s.png").size == (2 + 8 * 34, 2 + 34)  # four (source, transfer) pairs
    assert main(["sample", str(run), "--label", "3", "--out", str(tmp_path / "s.png")]) == 2
    assert "--label" in capsys.readouterr().err
    text = tmp_path / "x.txt"
    text.write_text("x")
    assert main(["transfer", str(run), str(text), "--out", str(tmp_path / "o")]) == 2
    assert "IMAGES: " in capsys.readouterr().err
    assert main(["transfer", str(run), str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_pretrain_command_writes_a_described_weight_file(
    tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.safetensors"
    argv = ["dtn-pretrain", "source", "--steps", "2", "--batch-size", "16", "--data-root", str(tmp_path / "d")]
    assert main([*argv, "--out", str(out)]) == 0
    metadata = read_metadata(out)
    assert metadata["role"] == "source" and metadata["dataset"] == "rendered-digits"
    assert metadata["train_images"] == "270" and metadata["heldout_images"] == "30"
    assert "held-out accuracy" in capsys.readouterr().out
    assert json.loads(metadata["settings"])["augment"] is False
    assert main([*argv, "--augment", "--out", str(out)]) == 0
    assert json.loads(read_metadata(out)["settings"])["augment"] is True  # the file says how it was trained
    assert main(["dtn-pretrain", "source", "--steps", "0", "--out", str(out)]) == 2
    assert "--steps" in capsys.readouterr().err


def test_pretrain_reports_what_f_makes_of_the_target_the_source_only_baseline(
    tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.safetensors"
    argv = ["dtn-pretrain", "source", "--steps", "2", "--batch-size", "16", "--data-root", str(tmp_path / "d")]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    metadata = read_metadata(out)
    assert metadata["target"] == "mnist-5k"  # DTN's default target
    reading = float(metadata["target_accuracy"])
    assert 0 <= reading <= 1 and f"reads {100 * reading:.2f}% of mnist-5k's DTN half" in printed
    assert main([*argv, "--target", "none", "--out", str(out)]) == 0
    assert "reads" not in capsys.readouterr().out and "target_accuracy" not in read_metadata(out)
    assert main([*argv, "--target", "no-such-set", "--out", str(out)]) == 2
    assert "no-such-set" in capsys.readouterr().err
    assert main(["dtn-pretrain", "target", "--target", "mnist-5k", "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.endswith("--target: only f ('gan dtn-pretrain source') reads a target domain")


@pytest.mark.parametrize("option", ["r1", "r2", "diffaugment"])
def test_penalties_and_augmentation_are_refused_in_one_line_without_l_d(
    tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """Without L_D the discriminator is never updated, so the core's R1, R2 and DiffAugment have
    nothing to act on: the run stops at its first step with one line, and writes no checkpoint."""
    value = "color" if option == "diffaugment" else "1"
    argv = small_train_argv(tmp_path, tmp_path / "run", adversarial="false", **{option: value})
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1
    assert error[0].startswith(f"gan train: error: train.{option}: dtn's step did not update its discriminator through")
    assert not list((tmp_path / "run").glob("checkpoints/*"))


def test_select_command_scores_every_checkpoint(tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    run = small_run(tmp_path)
    capsys.readouterr()
    assert main(["dtn-select", str(run), "--steps", "5", "--accuracy"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["step", "reverse-validation", "transfer-accuracy"]
    assert len(lines) == 2 and lines[1].split()[0] == "2" and lines[1].endswith("<- chosen")  # one checkpoint
    assert main(["dtn-select", str(tmp_path / "missing")]) == 2
    assert "RUN_DIR: no such directory" in capsys.readouterr().err
    assert main(["dtn-select", str(run), "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err
