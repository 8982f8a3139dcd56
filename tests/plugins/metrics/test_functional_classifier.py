"""Classifier-based scores: conditional accuracy and class coverage on hand-made predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import ClassCoverage, class_coverage, conditional_accuracy


def test_conditional_accuracy_counts_matches() -> None:
    requested = np.array([0, 1, 2, 3, 4, 0, 1, 2])
    predicted = np.array([0, 1, 2, 0, 4, 0, 2, 2])
    assert conditional_accuracy(predicted, requested) == 6 / 8
    assert conditional_accuracy(torch.from_numpy(predicted), requested.tolist()) == 6 / 8


def test_conditional_accuracy_takes_scores() -> None:
    requested = torch.tensor([0, 1, 2])
    logits = torch.tensor([[5.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.1, 2.0]])
    assert conditional_accuracy(logits, requested) == pytest.approx(2 / 3)


def test_full_coverage_of_a_matching_histogram() -> None:
    data = np.repeat(np.arange(10), 50)
    result = class_coverage(np.random.default_rng(0).permutation(data), data)
    assert result == ClassCoverage(classes_present=10, num_classes=10, kl_divergence=0.0)


def test_collapse_to_one_class_of_ten_balanced() -> None:
    data = np.repeat(np.arange(10), 30)
    result = class_coverage(np.full(200, 7), data)
    assert result.classes_present == 1
    assert result.num_classes == 10
    assert result.kl_divergence == pytest.approx(math.log(10))


def test_kl_direction_and_value_by_hand() -> None:
    """KL(P_generated || Q_data), natural log, empty generated classes contributing nothing."""
    data = np.array([0] * 50 + [1] * 30 + [2] * 20)  # Q = (0.5, 0.3, 0.2)
    generated = np.array([0] * 80 + [1] * 20)  # P = (0.8, 0.2, 0)
    expected = 0.8 * math.log(0.8 / 0.5) + 0.2 * math.log(0.2 / 0.3)
    result = class_coverage(generated, data)
    assert result.kl_divergence == pytest.approx(expected, rel=1e-12)
    assert result.classes_present == 2
    reverse = class_coverage(data, generated)  # Q has an empty class where P does not: infinite
    assert reverse.kl_divergence == math.inf


def test_num_classes_from_scores_and_min_count() -> None:
    logits = np.zeros((6, 12))
    logits[np.arange(6), [0, 0, 0, 1, 1, 2]] = 1.0
    result = class_coverage(logits, np.array([0, 1, 2, 3]), min_count=2)
    assert result.num_classes == 12
    assert result.classes_present == 2  # class 2 was predicted only once
    assert class_coverage(np.array([0, 1]), np.array([0, 1]), num_classes=5).num_classes == 5


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"^requested: has 2 labels but predicted has 3 samples$"):
        conditional_accuracy(np.array([0, 1, 2]), np.array([0, 1]))
    with pytest.raises(ConfigError, match=r"^predicted: labels must be >= 0, got -1$"):
        class_coverage(np.array([-1, 0]), np.array([0, 1]))
    with pytest.raises(ConfigError, match=r"^predicted: labels must be whole numbers$"):
        class_coverage(np.array([0.5, 1.0]), np.array([0, 1]))
    with pytest.raises(ConfigError, match=r"^num_classes: is 2 but label 4 occurs$"):
        class_coverage(np.array([0, 4]), np.array([0, 1]), num_classes=2)
    with pytest.raises(ConfigError, match=r"^reference: needs at least 1 sample, got 0$"):
        class_coverage(np.array([0]), np.array([], dtype=np.int64))
    with pytest.raises(ConfigError, match=r"^predicted: expected 1-D labels or 2-D class scores"):
        conditional_accuracy(np.zeros((2, 2, 2)), np.array([0, 1]))
    with pytest.raises(ConfigError, match=r"^min_count: must be >= 1, got 0$"):
        class_coverage(np.array([0]), np.array([0]), min_count=0)
