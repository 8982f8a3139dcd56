"""The Fréchet distance between two Gaussians, the core of FID (Heusel et al. 2017).

``d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))``

The references (pytorch-fid, the original TF code) form ``S1 S2``, a non-symmetric matrix, and take its
square root with ``scipy.linalg.sqrtm`` (a Schur decomposition, about 25 d^3 operations); for the
singular covariances of fewer samples than dimensions it returns non-finite or complex values, which they
paper over by adding ``1e-6 I`` to both covariances and dropping the imaginary part.

Only the trace is needed. The eigenvalues of ``S1 S2`` are those of the symmetric positive
semi-definite ``W^T S2 W`` for any factor ``S1 = W W^T``, so ``tr((S1 S2)^(1/2))`` is the sum of the
square roots of the eigenvalues of that symmetric matrix. ``W`` is the Cholesky factor of ``S1``; the
product ``L^T S2 L`` takes two triangular matrix products (``dtrmm``, d^3 operations each) and the
eigenvalues come from a symmetric eigensolver without eigenvectors (a tridiagonal reduction,
4/3 d^3). About 3 d^3 operations in all.

When ``S1`` is singular (fewer samples than dimensions) the plain Cholesky factorisation fails and
LAPACK's pivoted one (``dpstrf``) takes over: it stops at the numerical rank ``r`` (pivots below
``d * eps * max(diag S1)`` count as zero), so ``W`` is ``d x r`` and the eigenproblem ``r x r``. No
jitter is added: eigenvalues that rounding pushes slightly below zero count as zero, and the result is
the exact value for the given positive semi-definite matrices, the ``eps -> 0`` limit of the references'
``eps I`` work-around (so on such inputs it differs from pytorch-fid by the effect of that ``1e-6 I``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from scipy.linalg import blas, lapack
from threadpoolctl import threadpool_limits

from gan_core.errors import ConfigError
from gan_plugin_metrics.functional._arrays import features, square_symmetric, vector
from gan_plugin_metrics.functional.stats import FeatureStatistics


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run LAPACK factorisations and eigensolvers on one thread (torch's MKL and scipy's OpenBLAS).

    They are bound by memory traffic (the tridiagonal reduction is half matrix-vector products), so a
    second thread gains little on a quiet machine and, on one shared with other work, threads that wait
    on each other cost a lot: at d = 2048 on two busy cores we measured 0.55 s for torch's ``eigvalsh``
    on one thread and 4-6 s on two (scipy's ``dsyev``: 1.1 s and 23 s). torch's thread count is
    process-wide; it is restored on exit.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(threads)


def _symmetric_eigenvalues(m: np.ndarray) -> np.ndarray:
    with _one_thread():
        return torch.linalg.eigvalsh(torch.from_numpy(m)).numpy()


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr((sigma1 sigma2)^(1/2))`` for symmetric positive semi-definite float64 matrices."""
    with _one_thread():
        factor, info = torch.linalg.cholesky_ex(torch.from_numpy(sigma1))
    if int(info) == 0:
        upper = factor.numpy().T  # L^T as a Fortran-ordered array, as BLAS wants it (no copy)
        # sigma2 is symmetric, so its transpose is itself in Fortran order (no copy either)
        x = blas.dtrmm(1.0, upper, sigma2.T, side=1, lower=0, trans_a=1)  # sigma2 @ L
        m = blas.dtrmm(1.0, upper, x, side=0, lower=0, trans_a=0, overwrite_b=1)  # L^T @ (sigma2 @ L)
    else:  # singular: the pivoted factorisation, of the numerical rank
        with _one_thread():
            factor_p, pivots, rank, status = lapack.dpstrf(sigma1, lower=1, tol=-1.0)
        if status < 0:  # pragma: no cover - a LAPACK argument error, not reachable with checked inputs
            raise RuntimeError(f"dpstrf failed with info={status}")
        if rank == 0:
            return 0.0
        w = np.zeros((sigma1.shape[0], rank))
        w[pivots - 1] = np.tril(factor_p[:, :rank])  # undo the pivoting: sigma1 = W W^T
        m = w.T @ (sigma2 @ w)
    # m is symmetric up to rounding; the eigensolver reads one triangle (the upper one of this array,
    # which torch sees as the lower one of its transpose: m may be in Fortran order)
    return float(np.sqrt(np.clip(_symmetric_eigenvalues(m), 0.0, None)).sum())


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """The Fréchet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)`` (numpy or torch inputs).

    Everything is computed in float64 on the CPU. Covariances must be symmetric (to 1e-6 relative)
    and are treated as positive semi-definite: directions in which a covariance is numerically
    negative count as zero variance. Rounding can make the result of identical inputs a tiny
    negative number; it is clamped at 0.
    """
    m1 = vector(mu1, "mu1")
    d = m1.shape[0]
    m2 = vector(mu2, "mu2", size=d, size_of="mu1")
    s1 = square_symmetric(sigma1, "sigma1", size=d, size_of="mu1")
    s2 = square_symmetric(sigma2, "sigma2", size=d, size_of="mu1")
    diff = m1 - m2
    value = float(diff @ diff) + float(np.trace(s1)) + float(np.trace(s2)) - 2.0 * trace_sqrt_product(s1, s2)
    return max(value, 0.0)


def fid_from_features(features1: Any, features2: Any) -> float:
    """The Fréchet distance between Gaussians fitted to two ``(n, d)`` feature sets.

    Mean and unbiased covariance (divisor ``n - 1``) in float64, accumulated in slices by
    :class:`FeatureStatistics`; each set needs at least 2 samples.
    """
    f1 = features(features1, "features1", min_rows=2)
    f2 = features(features2, "features2", min_rows=2, dim=f1.shape[1], dim_of="features1")
    s1, s2 = FeatureStatistics.from_features(f1), FeatureStatistics.from_features(f2)
    if s1.dim != s2.dim:  # pragma: no cover - checked above
        raise ConfigError("features2", "feature sizes differ")
    return frechet_distance(s1.mean, s1.covariance, s2.mean, s2.covariance)
