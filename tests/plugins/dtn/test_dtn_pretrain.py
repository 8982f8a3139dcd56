"""Pretraining f and the evaluation classifier: files, metadata, determinism, and (slow) accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from dtn_helpers import tiny_source, tiny_target

from gan_core import Registry
from gan_core.errors import ConfigError
from gan_plugin_dtn.data import split_source
from gan_plugin_dtn.pretrain import (
    PretrainSettings,
    accuracy,
    default_weights_path,
    load_classifier,
    pretrain,
    read_metadata,
    save_classifier,
    train_classifier,
)


def test_training_is_deterministic_and_leaves_the_global_rng_alone() -> None:
    data = tiny_target(64)
    settings = PretrainSettings(steps=2, batch_size=16, seed=3)
    state = torch.random.get_rng_state()
    first = train_classifier(data, data, settings)
    assert torch.equal(torch.random.get_rng_state(), state)
    second = train_classifier(data, data, settings)
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert not first.model.training


def test_weights_round_trip_with_their_metadata(tmp_path: Path, weights: dict[str, Path]) -> None:
    metadata = read_metadata(weights["f"])
    assert (
        metadata["role"] == "source"
        and metadata["in_channels"] == "3"
        and 0 <= float(metadata["heldout_accuracy"]) <= 1
    )
    model = load_classifier(weights["f"], "source")
    assert model.in_channels == 3 and not model.training
    assert load_classifier(weights["classifier"], "target").in_channels == 1
    with pytest.raises(ConfigError, match="holds a 'source' classifier, not a 'target' one"):
        load_classifier(weights["f"], "target", field="model.classifier_weights")
    with pytest.raises(ConfigError, match="gan dtn-pretrain source"):
        load_classifier(tmp_path / "missing.safetensors", "source")


def test_default_paths_name_the_role_and_the_data_set() -> None:
    assert default_weights_path("source", "svhn").name == "f-svhn.safetensors"
    assert default_weights_path("target", "mnist").name == "classifier-mnist.safetensors"
    with pytest.raises(ConfigError, match="'source' or 'target'"):
        default_weights_path("middle", "svhn")


def test_batch_larger_than_the_data_is_refused() -> None:
    with pytest.raises(ConfigError, match="--batch-size"):
        train_classifier(tiny_target(8), tiny_target(8), PretrainSettings(batch_size=16))
    with pytest.raises(ConfigError, match="steps"):
        PretrainSettings(steps=0)


@pytest.mark.slow
def test_rendered_digits_are_learnable_by_the_papers_f(tmp_path: Path) -> None:
    """DESIGN.md: a 4-conv classifier should reach ~95% on held-out renders (as the paper's f on SVHN)."""
    split = split_source(tiny_source(4000, seed=0))
    # a narrower 4-conv f than the default (64, 128, 256), to keep the test near half a minute
    settings = PretrainSettings(steps=200, batch_size=64, widths=(32, 64, 128))
    result = train_classifier(split.train, split.heldout, settings)
    assert result.heldout_accuracy >= 0.95, result.heldout_accuracy
    path = save_classifier(result, tmp_path / "f.safetensors", role="source", dataset="rendered-digits")
    reloaded = load_classifier(path, "source")
    assert accuracy(reloaded, split.heldout.scaled(), split.heldout.labels) == pytest.approx(result.heldout_accuracy)


@pytest.mark.slow
def test_house_digits_sit_where_the_calibration_says(registry: Registry, tmp_path: Path) -> None:
    """The harder source, as `gan dtn-pretrain source --dataset house-digits` trains f on it: about 95%
    on held-out crops, and a reading of the mnist-5k digits in SVHN-to-MNIST's range (55-70%). Measured
    on this machine (docs/results.md): 96.50% and 69.08% at seed 0; the reading may move by a point
    on another processor, hence the 2-point allowance above 70%."""
    settings = PretrainSettings()
    out = tmp_path / "f.safetensors"
    result, _ = pretrain("source", "house-digits", registry, tmp_path / "data", settings, out, reads="mnist-5k")
    assert result.heldout_accuracy >= 0.93, result.heldout_accuracy
    assert result.target_accuracy is not None and 0.55 <= result.target_accuracy <= 0.72, result.target_accuracy


def test_only_f_reads_a_target_domain(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^reads: only f"):
        pretrain("target", "mnist-5k", registry, tmp_path, PretrainSettings(steps=1), tmp_path / "c", reads="mnist-5k")
