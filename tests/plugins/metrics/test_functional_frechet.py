"""Fréchet distance: exact cases, agreement with pytorch-fid's and torchmetrics' formulas, the
rank-deficient case against an independent identity, and bad input."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import FeatureStatistics, fid_from_features, frechet_distance

pytorch_fid = pytest.importorskip("pytorch_fid.fid_score")


def _features(rng: np.random.Generator, n: int, d: int, *, scale: float = 1.0, shift: float = 0.0) -> np.ndarray:
    """Correlated, non-centred features (a random linear map of Gaussians), like a network's."""
    mixing = rng.standard_normal((d, d)) / np.sqrt(d)
    return (rng.standard_normal((n, d)) @ mixing) * scale + shift + rng.standard_normal(d)


def _stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), np.cov(x, rowvar=False)


def _scipy_formula(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    return float(pytorch_fid.calculate_frechet_distance(mu1, s1, mu2, s2))


def test_identical_sets_give_zero() -> None:
    x = _features(np.random.default_rng(0), 400, 64)
    assert fid_from_features(x, x) == pytest.approx(0.0, abs=1e-6)
    mu, sigma = _stats(x)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)


def test_equal_covariances_give_the_squared_mean_difference() -> None:
    rng = np.random.default_rng(1)
    x = _features(rng, 300, 32)
    mu, sigma = _stats(x)
    mu2 = mu + rng.standard_normal(32)
    assert frechet_distance(mu, sigma, mu2, sigma) == pytest.approx(float(((mu - mu2) ** 2).sum()), rel=1e-9)


@pytest.mark.parametrize(("d", "n"), [(16, 200), (128, 1000), (512, 2000)])
def test_agrees_with_pytorch_fid(d: int, n: int) -> None:
    rng = np.random.default_rng(d)
    a, b = _features(rng, n, d), _features(rng, n, d, scale=1.3, shift=0.2)
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    reference = _scipy_formula(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-6)
    assert fid_from_features(a, b) == pytest.approx(reference, rel=1e-6)


def test_agrees_with_torchmetrics() -> None:
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    compute = getattr(fid_module, "_compute_fid", None)
    if compute is None:  # pragma: no cover - a private function that may move
        pytest.skip("torchmetrics no longer exposes _compute_fid")
    rng = np.random.default_rng(7)
    a, b = _features(rng, 800, 96), _features(rng, 700, 96, scale=0.8, shift=-0.1)
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    reference = float(compute(*(torch.from_numpy(v) for v in (mu1, s1, mu2, s2))))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-6)


def test_rank_deficient_covariances_match_the_nuclear_norm_identity() -> None:
    """With fewer samples than dimensions both covariances are singular and scipy's sqrtm needs the
    references' ``1e-6 I`` jitter. The exact value has another expression: for centred samples X, Y,
    ``tr((S1 S2)^(1/2))`` is the sum of the singular values of ``X Y^T / sqrt((n1 - 1)(n2 - 1))``."""
    rng = np.random.default_rng(3)
    d, n1, n2 = 200, 60, 45
    a, b = _features(rng, n1, d), _features(rng, n2, d, shift=0.3)
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    cross = (a - mu1) @ (b - mu2).T / np.sqrt((n1 - 1) * (n2 - 1))
    exact = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.linalg.svd(cross, compute_uv=False).sum()
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(exact, rel=1e-8)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(exact, rel=1e-8)
    assert fid_from_features(a, b) == pytest.approx(exact, rel=1e-8)
    # pytorch-fid lands near it (its jitter and dropped imaginary parts cost it some digits)
    assert _scipy_formula(mu1, s1, mu2, s2) == pytest.approx(exact, rel=1e-3)


def test_zero_covariance_and_a_single_direction() -> None:
    d = 8
    zero = np.zeros((d, d))
    mu = np.zeros(d)
    sigma = np.eye(d)
    # N(0, 0) vs N(0, I): tr(0) + tr(I) - 0 = d
    assert frechet_distance(mu, zero, mu, sigma) == pytest.approx(d)
    assert frechet_distance(mu, sigma, mu, zero) == pytest.approx(d)
    rank_one = np.zeros((d, d))
    rank_one[0, 0] = 4.0
    # in the shared direction: (2 - 1)^2; elsewhere: 7 unit variances against none
    assert frechet_distance(mu, rank_one, mu, sigma) == pytest.approx(1.0 + 7.0)


def test_numpy_torch_and_float32_inputs() -> None:
    rng = np.random.default_rng(4)
    a, b = _features(rng, 500, 48), _features(rng, 400, 48, shift=0.5)
    expected = fid_from_features(a, b)
    assert fid_from_features(torch.from_numpy(a), torch.from_numpy(b)) == expected
    assert fid_from_features(a.astype(np.float32), torch.from_numpy(b).float()) == pytest.approx(expected, rel=1e-5)
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    as_tensors = [torch.from_numpy(v) for v in (mu1, s1, mu2, s2)]
    assert frechet_distance(*as_tensors) == frechet_distance(mu1, s1, mu2, s2)


def test_streamed_statistics_give_the_same_distance() -> None:
    rng = np.random.default_rng(5)
    a, b = _features(rng, 300, 20), _features(rng, 300, 20, scale=2.0)
    sa, sb = FeatureStatistics.from_features(a), FeatureStatistics.from_features(b)
    distance = frechet_distance(sa.mean, sa.covariance, sb.mean, sb.covariance)
    assert distance == pytest.approx(fid_from_features(a, b), rel=1e-12)


@pytest.mark.slow
def test_agrees_with_pytorch_fid_at_2048_dimensions() -> None:
    """The issue's case: random 2048-d statistics (scipy's sqrtm takes about a minute here)."""
    if os.environ.get("GAN_RUN_SLOW") != "1":
        pytest.skip("set GAN_RUN_SLOW=1 to run (scipy's sqrtm at d = 2048 takes about a minute)")
    rng = np.random.default_rng(2048)
    a, b = _features(rng, 4096, 2048), _features(rng, 4096, 2048, scale=1.1, shift=0.05)
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_scipy_formula(mu1, s1, mu2, s2), rel=1e-6)


def _message(excinfo: pytest.ExceptionInfo[ConfigError]) -> str:
    text = str(excinfo.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        ((np.zeros((2, 2)), np.eye(2), np.zeros(2), np.eye(2)), "mu1: expected a 1-D array"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "sigma1: is 3x3 but mu1 has length 2"),
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(2)), "mu2: has length 3 but mu1 has 2"),
        ((np.zeros(2), np.eye(2), np.zeros(2), np.ones((2, 3))), "sigma2: expected a square 2-D array"),
        ((np.array([0.0, np.nan]), np.eye(2), np.zeros(2), np.eye(2)), "mu1: contains NaN"),
        ((np.zeros(2), np.array([[1.0, np.inf], [np.inf, 1.0]]), np.zeros(2), np.eye(2)), "sigma1: contains NaN"),
        ((np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2)), "sigma1: is not symmetric"),
        (("x", np.eye(2), np.zeros(2), np.eye(2)), "mu1: expected a numpy array or a torch tensor"),
    ],
)
def test_bad_statistics_give_one_line_errors(args: tuple[object, ...], starts: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        frechet_distance(*args)
    assert _message(excinfo).startswith(starts)


def test_bad_features_give_one_line_errors() -> None:
    good = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"^features1: needs at least 2 samples, got 1$"):
        fid_from_features(np.zeros((1, 3)), good)
    with pytest.raises(ValueError, match=r"^features2: has 4 features per sample but features1 has 3$"):
        fid_from_features(good, np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"^features1: expected a 2-D array \(samples, features\), got shape \(5,\)$"):
        fid_from_features(np.zeros(5), good)
    bad = good.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"^features2: contains NaN or infinite values$"):
        fid_from_features(good, bad)
