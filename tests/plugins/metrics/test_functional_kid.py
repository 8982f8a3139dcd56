"""Kernel Inception Distance: the unbiased MMD^2 read straight from its definition, and torch-fidelity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import kernel_inception_distance


def _direct_unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Binkowski et al.'s estimator written out term by term (double loops over the kernel values)."""
    d = x.shape[1]

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return float((a @ b / d + 1.0) ** 3)

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2.0 * xy


def _sets(seed: int, n: int = 60, d: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((n, d)) * 1.2 + 0.3


def test_one_full_size_subset_equals_the_direct_unbiased_mmd() -> None:
    x, y = _sets(0)
    expected = _direct_unbiased_mmd2(x, y)
    mean, std = kernel_inception_distance(x, y, subset_size=len(x), n_subsets=1, seed=123)
    assert mean == pytest.approx(expected, rel=1e-6)
    assert std == 0.0
    assert expected > 0  # different distributions: a test that can fail


def test_agrees_with_torch_fidelity_on_the_same_subsets() -> None:
    kid_module = pytest.importorskip("torch_fidelity.metric_kid")
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.standard_normal((300, 32)))
    y = torch.from_numpy(rng.standard_normal((250, 32)) + 0.1)
    reference = kid_module.kid_features_to_metric(
        x,
        y,
        kid_subsets=20,
        kid_subset_size=100,
        kid_kernel="poly",
        kid_kernel_poly_degree=3,
        kid_kernel_poly_gamma=None,
        kid_kernel_poly_coef0=1,
        rng_seed=2020,
        verbose=False,
    )
    mean, std = kernel_inception_distance(x, y, subset_size=100, n_subsets=20)  # default seed: 2020
    assert mean == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-9)
    assert std == pytest.approx(reference["kernel_inception_distance_std"], rel=1e-9)


def test_same_distribution_is_near_zero_and_seed_matters() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((400, 16)), rng.standard_normal((400, 16))
    mean, std = kernel_inception_distance(x, y, subset_size=100, n_subsets=30, seed=0)
    assert abs(mean) < 3 * std / np.sqrt(30) + 1e-3
    far, _ = kernel_inception_distance(x, y + 1.0, subset_size=100, n_subsets=30, seed=0)
    assert far > 100 * abs(mean)
    assert kernel_inception_distance(x, y, subset_size=100, n_subsets=3, seed=0) != kernel_inception_distance(
        x, y, subset_size=100, n_subsets=3, seed=1
    )
    a = kernel_inception_distance(torch.from_numpy(x), torch.from_numpy(y), subset_size=100, n_subsets=3, seed=5)
    b = kernel_inception_distance(x, y, subset_size=100, n_subsets=3, seed=5)
    assert a == b


def test_subsets_are_drawn_without_replacement() -> None:
    """A full-size subset drawn without replacement is the whole set, whatever the seed; drawn with
    replacement it would repeat some samples and drop others, and the value would change with the seed."""
    x, y = _sets(3, n=40)
    values = [kernel_inception_distance(x, y, subset_size=40, n_subsets=1, seed=s).mean for s in range(5)]
    assert max(values) - min(values) < 1e-9 * abs(values[0])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"subset_size": 61}, r"^subset_size: 61 is larger than the sets \(60 and 60 samples\); use at most 60$"),
        ({"subset_size": 1}, r"^subset_size: must be >= 2, got 1$"),
        ({"n_subsets": 0}, r"^n_subsets: must be >= 1, got 0$"),
        ({"seed": -1}, r"^seed: must be an integer in \[0, 2\*\*32\), got -1$"),
        ({"subset_size": 2.5}, r"^subset_size: must be an integer >= 2, got 2.5$"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], pattern: str) -> None:
    x, y = _sets(4)
    with pytest.raises(ConfigError, match=pattern):
        kernel_inception_distance(x, y, **kwargs)  # type: ignore[arg-type]


def test_bad_features() -> None:
    x, y = _sets(5)
    with pytest.raises(ConfigError, match=r"^features2: has 3 features per sample but features1 has 12$"):
        kernel_inception_distance(x, y[:, :3], subset_size=10)
    y[0, 0] = np.nan
    with pytest.raises(ConfigError, match=r"^features2: contains NaN or infinite values$"):
        kernel_inception_distance(x, y, subset_size=10)
