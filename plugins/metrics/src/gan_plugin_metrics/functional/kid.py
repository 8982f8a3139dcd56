"""Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs").

KID is the squared maximum mean discrepancy between the two feature distributions under the cubic
polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, estimated without bias:

``MMD^2_u = sum_{i!=j} k(x_i,x_j) / (m(m-1)) + sum_{i!=j} k(y_i,y_j) / (n(n-1)) - 2 sum_{i,j} k(x_i,y_j) / (mn)``

As in the reference code (Binkowski's ``compute_scores.py``, torch-fidelity, torchmetrics) it is
averaged over ``n_subsets`` random subsets of ``subset_size`` samples from each set, each subset drawn
without replacement and independently of the others; the spread is the population standard deviation
(``ddof = 0``) of the per-subset values. The subsets are drawn exactly as torch-fidelity draws them
(``numpy.random.RandomState(seed).choice(n, subset_size, replace=False)``, first set then second, per
subset), so with the same seed (2020 is torch-fidelity's default) both use the same samples.

A ``subset_size`` larger than either set is an error, as in both references (which raise too): silently
shrinking it would change the estimator's variance and make numbers incomparable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from gan_core.errors import ConfigError
from gan_plugin_metrics.functional._arrays import features, positive_int


class MeanStd(NamedTuple):
    """A metric averaged over subsets or splits: the mean and the population standard deviation."""

    mean: float
    std: float


def polynomial_kernel(x: Tensor, y: Tensor) -> Tensor:
    """``(x y^T / d + 1)^3``: the KID kernel matrix between the rows of ``x`` and ``y``."""
    k = x @ y.T
    k /= x.shape[1]
    k += 1.0
    return k.pow_(3)


def mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """The unbiased MMD^2 estimate between two samples (rows), cubic polynomial kernel, in the dtype
    of the inputs (the metric passes float64). The diagonal terms ``k(x_i, x_i)`` are left out of the
    within-set sums; the cross term keeps every pair."""
    m, n = x.shape[0], y.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    within_y = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.sum() / (m * n))


def kernel_inception_distance(
    features1: Any, features2: Any, subset_size: int = 1000, n_subsets: int = 100, seed: int = 2020
) -> MeanStd:
    """KID between two ``(n, d)`` feature sets: mean and std of the unbiased MMD^2 over subsets.

    Defaults are the references' (1000 samples per subset, 100 subsets, torch-fidelity's seed 2020).
    Computed in float64 on the device of ``features1``. KID can be slightly negative when the two
    distributions are close: the estimator is unbiased, not non-negative.
    """
    subset_size = positive_int(subset_size, "subset_size", minimum=2)
    n_subsets = positive_int(n_subsets, "n_subsets")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ConfigError("seed", f"must be an integer in [0, 2**32), got {seed!r}")
    f1 = features(features1, "features1", min_rows=2)
    f2 = features(features2, "features2", min_rows=2, dim=f1.shape[1], dim_of="features1")
    smaller = min(f1.shape[0], f2.shape[0])
    if subset_size > smaller:
        raise ConfigError(
            "subset_size",
            f"{subset_size} is larger than the sets ({f1.shape[0]} and {f2.shape[0]} samples); use at most {smaller}",
        )
    f2 = f2.to(f1.device)
    rng = np.random.RandomState(seed)
    values = np.empty(n_subsets)
    for s in range(n_subsets):
        rows1 = torch.from_numpy(rng.choice(f1.shape[0], subset_size, replace=False)).to(f1.device)
        rows2 = torch.from_numpy(rng.choice(f2.shape[0], subset_size, replace=False)).to(f1.device)
        values[s] = mmd2_unbiased(f1[rows1].to(torch.float64), f2[rows2].to(torch.float64))
    return MeanStd(float(values.mean()), float(values.std()))
