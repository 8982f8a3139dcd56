"""Runs written before a setting existed keep working when its default changes: a run directory from
before ``model.stem``, ``model.mbstd_group``, ``model.mbstd_channels`` and ``model.pack`` (its
``config.toml`` lacks them) was trained with R3GAN's basis stem, no batch statistic and no packs,
and is read back so, whatever the defaults are today (the fields' ``unrecorded`` values)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gan_core import Registry, RunDir
from gan_core.cli import main

#: a small r3gan, built as every run before 2026-12-06 was: the basis stem, no minibatch deviation
OLD_NETWORKS = ["g_widths=[16,8]", "d_widths=[16,8]", "latent_dim=8", "stem=basis", "mbstd_group=0", "pack=1"]
NEWER_SETTINGS = ("stem", "mbstd_group", "mbstd_channels", "pack")


def _train(run: Path, registry: Registry, steps: int, *extra: str) -> None:
    settings = [*OLD_NETWORKS, "batch_size=8", "progress=false", "checkpoint_every=2"]
    argv = ["train", "r3gan", "--steps", str(steps), "--out", str(run), *extra]
    assert main([*argv, *(a for s in settings for a in ("--set", s))], registry=registry) == 0


def _forget_newer_settings(run: Path) -> None:
    """What the run's config.toml looked like before the four settings existed."""
    config = run / "config.toml"
    lines = config.read_text().splitlines(keepends=True)
    kept = [line for line in lines if line.split("=")[0].strip() not in NEWER_SETTINGS]
    assert len(lines) - len(kept) == len(NEWER_SETTINGS)
    config.write_text("".join(kept))


@pytest.fixture
def older_run(tmp_path: Path, registry: Registry) -> Path:
    run = tmp_path / "run"
    _train(run, registry, 2)
    return run


def test_an_older_run_reads_back_as_it_was_trained(older_run: Path, registry: Registry, tmp_path: Path) -> None:
    before = tmp_path / "before.npy"
    assert main(["sample", str(older_run), "--n", "6", "--out", str(before)], registry=registry) == 0
    _forget_newer_settings(older_run)
    _, config = RunDir(older_run).load_config(registry)
    assert (config.model.stem, config.model.mbstd_group, config.model.mbstd_channels, config.model.pack) == (
        "basis",
        0,
        1,
        1,
    )
    after = tmp_path / "after.npy"
    assert main(["sample", str(older_run), "--n", "6", "--out", str(after)], registry=registry) == 0
    np.testing.assert_array_equal(np.load(after), np.load(before))  # the checkpoint loaded into the same networks


def test_an_older_run_resumes_as_it_was_trained(
    older_run: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    _forget_newer_settings(older_run)
    resume = ["train", "r3gan", "--out", str(older_run), "--resume", "--steps", "4"]
    assert main([*resume, "--set", "stem=linear"], registry=registry) == 2  # today's default is not the run's
    assert "--resume: --set gives model.stem = 'linear', but the run in" in capsys.readouterr().err
    assert main([*resume, "--set", "stem=basis"], registry=registry) == 0  # repeating the run's own value
    recorded = (older_run / "config.toml").read_text()
    assert 'stem = "basis"' in recorded and "mbstd_group = 0" in recorded  # recorded now, for good
    assert (older_run / "checkpoints" / "step_00000004").is_dir()


def test_gan_serve_shows_an_older_run_with_the_settings_it_was_trained_with(
    older_run: Path, registry: Registry
) -> None:
    """The settings tab renders the run's config as read back, not its file, which lacks the newer settings."""
    demo = pytest.importorskip("gan_plugin_serve.demo")
    _forget_newer_settings(older_run)
    settings = demo.DemoRun.load(older_run, registry).details()["settings"]
    assert 'stem = "basis"' in settings and "mbstd_group = 0" in settings and "pack = 1" in settings
    recorded = (older_run / "config.toml").read_text()
    assert 'stem = "basis"' not in recorded  # the file as written lacks it
    assert recorded.splitlines()[0] == settings.splitlines()[0] and "steps = 2" in settings  # the variant's name
