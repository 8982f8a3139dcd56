"""Inception Score: the standard formula written out, torch-fidelity, and exact cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import inception_score


def _standard_formula(logits: np.ndarray, splits: int) -> tuple[float, float]:
    """Salimans et al.'s code as usually transcribed: softmax, per split exp(mean KL(p(y|x) || p(y)))."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(p)
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0)
        kl = (part * (np.log(part) - np.log(marginal))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@pytest.mark.parametrize(("n", "splits"), [(1000, 10), (997, 10), (50, 1), (64, 7)])
def test_agrees_with_the_standard_formula(n: int, splits: int) -> None:
    logits = np.random.default_rng(n).standard_normal((n, 20)) * 3
    mean, std = inception_score(logits, splits=splits)
    ref_mean, ref_std = _standard_formula(logits, splits)
    assert mean == pytest.approx(ref_mean, rel=1e-12)
    assert std == pytest.approx(ref_std, rel=1e-9, abs=1e-12)


def test_agrees_with_torch_fidelity_without_shuffling() -> None:
    isc = pytest.importorskip("torch_fidelity.metric_isc")
    logits = torch.from_numpy(np.random.default_rng(1).standard_normal((503, 1008)) * 4).float()
    reference = isc.isc_features_to_metric(logits, splits=10, shuffle=False)
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(reference["inception_score_mean"], rel=1e-12)
    assert std == pytest.approx(reference["inception_score_std"], rel=1e-9)


def test_exact_cases() -> None:
    # every sample equally unsure: p(y|x) = p(y), KL = 0, score 1
    assert inception_score(np.zeros((100, 10)), splits=5) == (pytest.approx(1.0), pytest.approx(0.0, abs=1e-12))
    # confident and evenly spread over 10 classes in every split: score 10
    confident = np.tile(np.eye(10) * 200.0, (20, 1))
    mean, std = inception_score(confident, splits=4)
    assert mean == pytest.approx(10.0, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_float64_softmax_keeps_extreme_logits_finite() -> None:
    """Logits far apart: a float32 softmax underflows to 0 and log(0) poisons the sum; we work on log-probabilities."""
    logits = torch.tensor([[0.0, -200.0], [-200.0, 0.0]] * 10, dtype=torch.float32)
    mean, _ = inception_score(logits, splits=2)
    assert mean == pytest.approx(2.0, rel=1e-9)


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"^logits: needs at least 10 samples, got 9$"):
        inception_score(np.zeros((9, 3)))
    with pytest.raises(ConfigError, match=r"^splits: must be >= 1, got 0$"):
        inception_score(np.zeros((9, 3)), splits=0)
    with pytest.raises(ConfigError, match=r"^logits: expected a 2-D array"):
        inception_score(np.zeros(30))
    with pytest.raises(ConfigError, match=r"^logits: contains NaN or infinite values$"):
        inception_score(np.full((30, 3), np.nan))
