"""The DTN seeds benchmark's pieces that need no training: the command each run is trained with, when
a run counts as finished, and the tables (the training and scoring are the plugin's, tested there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark


def test_each_config_trains_with_its_ablation_on_top_of_the_common_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark("dtn_seeds", monkeypatch)
    command = bench.train_command("house-digits", "no-tid", 3, tmp_path / "no-tid-seed3", ["ema=0"])
    assert command[len(bench.gan_command()) : len(bench.gan_command()) + 4] == ["train", "dtn", "--seed", "3"]
    settings = [command[i + 1] for i, word in enumerate(command) if word == "--set"]
    assert settings[0] == "source=house-digits" and settings[-1] == "beta=0"
    assert "checkpoint_every=50" in settings and "threads=1" in settings and "ema=0" in settings
    run = tmp_path / "run"
    assert not bench._finished(run)
    (run / "checkpoints" / "step_00000400").mkdir(parents=True)
    assert bench._finished(run)


def test_a_run_is_trained_with_the_settings_given_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: ``train`` built its command without ``--set`` settings, so ``--set ema=0`` reached
    the report's recorded command but not the runs it trained."""
    bench = load_benchmark("dtn_seeds", monkeypatch)
    launched: list[list[str]] = []
    monkeypatch.setattr(bench.subprocess, "run", lambda command, **_: launched.append(command))
    bench.train("rendered-digits", "full", 1, tmp_path / "full-seed1", ["ema=0", "g_steps=2"])
    (command,) = launched
    assert command == bench.train_command("rendered-digits", "full", 1, tmp_path / "full-seed1", ["ema=0", "g_steps=2"])
    assert "ema=0" in command and "g_steps=2" in command


def test_tables_give_mean_and_spread_over_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("dtn_seeds", monkeypatch)
    run = {"final": 0.9, "best": 0.95, "chosen": 0.92, "chosen_step": 300, "spearman": 0.5}
    report = {
        "source": "house-digits",
        "target": "mnist-5k",
        "seeds": [0, 1],
        "configs": ["full"],
        "machine": {"cpu_model": "a processor"},
        "runs": {"full-seed0": run, "full-seed1": {**run, "final": 0.8, "spearman": 0.1}},
        "source_only": {"0": {"heldout": 0.96, "target": 0.69}, "1": {"heldout": 0.95, "target": 0.67}},
    }
    table = bench.markdown(report)
    assert "| full | 85.0 ± 7.1 | 92.0 ± 0.0 | 95.0 ± 0.0 | 0.30 (0.10 to 0.50) |" in table
    assert "| source only (f's reading) | 68.0 ± 1.4 | | | |" in table
    assert "| full | 1 | 80.0 | 92.0 (300) | 95.0 | 0.10 |" in table
