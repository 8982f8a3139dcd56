"""Metrics of point sets (2-D toy runs and any other ``(n, d)`` samples): sliced Wasserstein distance
and mode coverage of a Gaussian mixture.

**Sliced Wasserstein distance** (Rabin et al. 2011, Bonneel et al. 2015; as a GAN measure, Deshpande
et al. 2018). For unit directions ``theta_1 .. theta_L`` drawn once from a seeded Gaussian and
normalised, project both sets on each direction and take the squared 2-Wasserstein distance of the two
1-D empirical distributions, ``W_2^2 = integral_0^1 (F^-1(t) - G^-1(t))^2 dt``. The result is

    SWD = sqrt( (1/L) sum_l W_2^2(theta_l . real, theta_l . fake) )

in the samples' own units: 0 for identical sets, and ``|v| / sqrt(2)`` in expectation over directions
for a set shifted by ``v`` in the plane. The quantile functions are step functions, so the integral is
exact for any two set sizes (the steps of both are merged); with equal sizes it is the mean squared
difference of the sorted projections. ``L`` = :data:`SWD_PROJECTIONS` and the directions' seed
:data:`SWD_SEED` are fixed, so that a number means the same thing in every run.

**Mode coverage** of the toy mixtures uses :meth:`gan_core.data.GaussianMixture2D.coverage`, the scoring
of ``benchmarks/toy_modes.py`` and PacGAN (Lin et al. 2018): a sample is *high quality* when it lies
within three standard deviations of its nearest mode centre, and a mode is *covered* when at least one
high-quality sample is nearest to it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from gan_core.data import GaussianMixture2D, ModeCoverage

#: directions of the sliced Wasserstein distance, and the seed they are drawn from
SWD_PROJECTIONS = 256
SWD_SEED = 0


def swd_directions(dim: int, projections: int = SWD_PROJECTIONS, seed: int = SWD_SEED) -> Tensor:
    """``projections`` unit vectors of ``dim`` dimensions (float64, one a row), the same for a given seed."""
    if dim <= 0 or projections <= 0:
        raise ValueError(f"need dim > 0 and projections > 0, got {dim} and {projections}")
    directions = torch.randn(projections, dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return directions / directions.norm(dim=1, keepdim=True)


def wasserstein2_squared_1d(a: Tensor, b: Tensor) -> Tensor:
    """Squared 2-Wasserstein distances between the columns of ``a`` ``(n, L)`` and ``b`` ``(m, L)``, each
    column a 1-D empirical distribution: ``(L,)``, exact for any ``n`` and ``m``."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        raise ValueError("the Wasserstein distance needs at least one sample on each side")
    a, b = a.sort(dim=0).values, b.sort(dim=0).values
    if n == m:
        return ((a - b) ** 2).mean(dim=0)
    # the quantile steps of both sides, in units of 1/(n m): a's change at multiples of m, b's of n
    steps = torch.unique(torch.cat([torch.arange(n + 1) * m, torch.arange(m + 1) * n]))  # sorted, 0 .. n m
    start, widths = steps[:-1], (steps[1:] - steps[:-1]).to(a.dtype) / (n * m)
    return (widths[:, None] * (a[start // m] - b[start // n]) ** 2).sum(dim=0)


def sliced_wasserstein(
    real: Tensor, fake: Tensor, *, projections: int = SWD_PROJECTIONS, seed: int = SWD_SEED
) -> float:
    """The sliced 2-Wasserstein distance between point sets ``real`` ``(n, d)`` and ``fake`` ``(m, d)``
    (see the module docstring), computed in float64."""
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            "the sliced Wasserstein distance compares point sets (n, d) of one d; "
            f"got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    directions = swd_directions(real.shape[1], projections, seed)
    real64, fake64 = real.detach().cpu().to(torch.float64), fake.detach().cpu().to(torch.float64)
    squared = wasserstein2_squared_1d(real64 @ directions.T, fake64 @ directions.T)
    return math.sqrt(max(float(squared.mean()), 0.0))


def mode_coverage(samples: Tensor, mixture: GaussianMixture2D) -> ModeCoverage:
    """Modes covered and high-quality share of ``samples`` ``(n, 2)`` under ``mixture`` (see the module
    docstring); the same numbers as ``benchmarks/toy_modes.py``."""
    if samples.dim() != 2 or samples.shape[1] != mixture.means.shape[1]:
        raise ValueError(
            f"{mixture.name} has {mixture.means.shape[1]}-d modes; got samples of shape {tuple(samples.shape)}"
        )
    return mixture.coverage(samples)
