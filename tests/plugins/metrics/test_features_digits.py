"""The ``digits`` extractor: shipped weights, held-out accuracy, and a reproducible training script."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest
import torch

from gan_plugin_metrics.features import extract_features
from gan_plugin_metrics.features.digits import (
    HELD_OUT_PER_CLASS,
    TRAIN_PER_CLASS,
    DigitsExtractor,
    load_digits,
    mnist5k_split,
    shipped_weights_path,
    weights_metadata,
)

SCRIPT = Path(__file__).resolve().parents[3] / "plugins" / "metrics" / "scripts" / "train_digits_classifier.py"


@pytest.fixture(scope="module")
def split() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    return mnist5k_split()


@pytest.fixture(scope="module")
def digits() -> DigitsExtractor:
    return load_digits()


def test_split_is_fixed_disjoint_and_balanced(split) -> None:  # type: ignore[no-untyped-def]
    (train_x, train_y), (held_x, held_y) = split
    assert train_x.shape == (10 * TRAIN_PER_CLASS, 1, 28, 28) and held_x.shape == (10 * HELD_OUT_PER_CLASS, 1, 28, 28)
    assert torch.bincount(train_y).tolist() == [TRAIN_PER_CLASS] * 10
    assert torch.bincount(held_y).tolist() == [HELD_OUT_PER_CLASS] * 10
    assert float(train_x.min()) >= 0.0 and float(train_x.max()) <= 1.0
    train_rows = {hashlib.sha1(row.numpy().tobytes()).hexdigest() for row in train_x}
    assert not any(hashlib.sha1(row.numpy().tobytes()).hexdigest() in train_rows for row in held_x)
    (again_x, _), _ = mnist5k_split()
    assert torch.equal(again_x, train_x)


def test_shipped_weights_are_small_and_documented() -> None:
    path = shipped_weights_path()
    assert path.is_file() and path.stat().st_size < 1_000_000
    meta = weights_metadata()
    assert float(meta["held_out_accuracy"]) >= 0.975
    assert meta["script"] == "plugins/metrics/scripts/train_digits_classifier.py"
    assert meta["arguments"]["seed"] == 0 and meta["arguments"]["epochs"] == 40


def test_held_out_accuracy_of_the_shipped_weights(digits: DigitsExtractor, split) -> None:  # type: ignore[no-untyped-def]
    """At least 97.5% on the 1,000 MNIST digits the classifier never trained on."""
    _, (held_x, held_y) = split
    out = extract_features(digits, held_x, value_range=(0.0, 1.0))
    assert out.features.shape == (1000, 128) and out.logits is not None and out.logits.shape == (1000, 10)
    accuracy = float((out.logits.argmax(1) == held_y).float().mean())
    assert accuracy >= 0.975
    assert accuracy == pytest.approx(weights_metadata()["held_out_accuracy"], abs=1e-4)


def test_other_sizes_channels_and_value_ranges(digits: DigitsExtractor, split) -> None:  # type: ignore[no-untyped-def]
    """32x32 RGB samples in [-1, 1] (resized, converted to luma) are still recognised."""
    _, (held_x, held_y) = split
    x = torch.nn.functional.interpolate(held_x[:300], size=(32, 32), mode="bilinear", align_corners=False)
    rgb = (x * 2 - 1).expand(-1, 3, -1, -1)
    out = extract_features(digits, rgb, value_range=(-1.0, 1.0))
    assert out.logits is not None
    assert float((out.logits.argmax(1) == held_y[:300]).float().mean()) >= 0.95


def test_missing_weights_file_is_a_one_line_error(tmp_path: Path) -> None:
    from gan_plugin_metrics.features import WeightsUnavailableError

    with pytest.raises(WeightsUnavailableError, match=r"train_digits_classifier\.py") as caught:
        load_digits(weights=tmp_path / "none.safetensors")
    assert "\n" not in str(caught.value)


def _train(out: Path, *args: str) -> str:
    """One short run of the script, in this process (its global torch settings are put back after)."""
    spec = importlib.util.spec_from_file_location("train_digits_classifier", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    try:
        with torch.random.fork_rng(devices=[]):
            assert script.main(["--out", str(out), "--epochs", "1", "--per-class", "8", *args]) == 0
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return hashlib.sha256(out.read_bytes()).hexdigest()


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the training script lives in the repository, not in the package")
def test_training_script_is_reproducible(tmp_path: Path) -> None:
    """Same seed: the same file, byte for byte (wherever it is written); another seed: another file."""
    first = _train(tmp_path / "a.safetensors")
    assert _train(tmp_path / "sub" / "b.safetensors") == first
    assert _train(tmp_path / "c.safetensors", "--seed", "1") != first
    trained = load_digits(weights=tmp_path / "a.safetensors")
    assert trained.weights_id != load_digits().weights_id
