"""``train.log_with``: scalars, sample grids and the configuration reach an experiment tracker
(TensorBoard's event files, read back; no network)."""

from __future__ import annotations

from pathlib import Path

import core_tiny
import pytest

from gan_core import ConfigError, GanTrainer, create_registry, resolve_config
from gan_core._training import trackers

pytest.importorskip("tensorboard")


def test_tensorboard_gets_scalars_images_and_hyperparameters(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    registry = create_registry(plugins=[core_tiny], entry_points=False, strict=False)
    flags = {"steps": 6, "log_every": 2, "sample_every": 3, "log_with": ["tensorboard"]}
    config = resolve_config(core_tiny.TINY, flags=flags)
    run = tmp_path / "run"
    GanTrainer(core_tiny.TINY, config, run, registry=registry).fit()
    events = sorted((run / "trackers").rglob("events.out.tfevents.*"))
    assert events
    accumulators = [EventAccumulator(str(path.parent), size_guidance={"images": 0}).Reload() for path in events]
    scalars = {tag: acc.Scalars(tag) for acc in accumulators for tag in acc.Tags()["scalars"]}
    assert [event.step for event in scalars["d_loss"]] == [2, 4, 6]
    assert [event.step for event in scalars["g_loss"]] == [2, 4, 6]
    images = {tag: acc.Images(tag) for acc in accumulators for tag in acc.Tags()["images"]}
    assert [event.step for event in next(iter(images.values()))] == [3, 6]
    hparams: dict[str, bytes] = {}
    for acc in accumulators:
        try:
            hparams.update(acc.PluginTagToContent("hparams"))
        except KeyError:  # this event file holds no hyperparameters
            continue
    assert b"train.seed" in hparams["_hparams_/session_start_info"]
    assert trackers.hyperparameters(config)["train.log_with"] == "('tensorboard',)"


def test_an_unknown_tracker_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"train\.log_with: must list trackers from .*got 'tensorbord'"):
        resolve_config(core_tiny.TINY, flags={"log_with": ["tensorbord"]})


def test_a_tracker_whose_package_is_missing_is_refused_before_training(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trackers.accelerate_imports, "is_wandb_available", lambda: False)
    with pytest.raises(ConfigError, match=r"train\.log_with: 'wandb' needs the wandb package: pip install wandb"):
        trackers.check_trackers(["wandb"])
