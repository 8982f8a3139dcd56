"""Goodfellow et al. 2014, section 4, made executable on one-dimensional densities.

Densities are tensors of values on a shared grid ``x`` of cell midpoints (float64); an integral is
the sum of the values times the cell width (the midpoint rule). Unlike the trapezoid rule, this is
exact for piecewise-constant densities whose jumps fall on cell edges (uniform densities), and as
accurate as the trapezoid rule on smooth ones. With these:

* Proposition 1: for fixed ``G`` the optimal discriminator is ``D*(x) = p_data / (p_data + p_g)``;
* Theorem 1: ``V(D*, G) = -log 4 + 2 JSD(p_data || p_g)``, minimal (``-log 4``) iff ``p_g = p_data``.

Terms of the form ``0 log 0`` are taken as 0 (``torch.special.xlogy``), as in the definitions.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def grid(low: float, high: float, points: int = 200_000) -> Tensor:
    """The midpoints of ``points`` equal cells covering ``[low, high]``, in float64.

    A density that jumps only at cell edges (choose ``low``, ``high`` and ``points`` so that its
    jumps are multiples of the cell width from ``low``) is integrated exactly; the trapezoid rule
    would be off by half a cell at every jump (~1e-5 here), too much to check Theorem 1 to 1e-6.
    """
    width = (high - low) / points
    return low + width * (torch.arange(points, dtype=torch.float64) + 0.5)


def integrate(values: Tensor, x: Tensor) -> float:
    """``∫ f`` over the cells whose midpoints are ``x`` (as made by :func:`grid`)."""
    width = (x[-1] - x[0]) / (len(x) - 1)
    return float(values.sum() * width)


def gaussian_pdf(x: Tensor, mean: float, std: float) -> Tensor:
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def uniform_pdf(x: Tensor, low: float, high: float) -> Tensor:
    return ((x >= low) & (x <= high)).to(x.dtype) / (high - low)


def mixture_pdf(*components: tuple[float, Tensor]) -> Tensor:
    """``sum_i w_i p_i`` for ``(w_i, p_i)`` pairs."""
    return sum((w * p for w, p in components), torch.zeros_like(components[0][1]))


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    """Proposition 1: ``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` (1/2 where both vanish)."""
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), 0.5)


def value(discriminator: Tensor, p_data: Tensor, p_g: Tensor, x: Tensor) -> float:
    """``V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))]`` for ``D`` given on the grid."""
    integrand = torch.special.xlogy(p_data, discriminator) + torch.special.xlogy(p_g, 1 - discriminator)
    return integrate(integrand, x)


def kl_divergence(p: Tensor, q: Tensor, x: Tensor) -> float:
    """``KL(p || q) = ∫ p log(p / q)``; infinite where ``p`` has mass and ``q`` has none."""
    if bool(((p > 0) & (q <= 0)).any()):
        return math.inf
    ratio = torch.where(p > 0, p / q.clamp_min(torch.finfo(q.dtype).tiny), 1.0)
    return integrate(torch.special.xlogy(p, ratio), x)


def jensen_shannon(p: Tensor, q: Tensor, x: Tensor) -> float:
    """``JSD(p || q) = KL(p || m) / 2 + KL(q || m) / 2`` with ``m = (p + q) / 2``; in ``[0, log 2]``.

    Each term is integrated as ``p log(2p / (p + q))``, never through ``m`` itself: where ``p`` is the
    smallest subnormal float and ``q`` is 0, ``(p + q) / 2`` rounds to 0 and ``KL(p || m)`` would be
    infinite (on a grid wide enough for two far-apart Gaussians, this happened).
    """
    total = p + q
    tiny = torch.finfo(total.dtype).tiny

    def half(a: Tensor) -> Tensor:
        return torch.special.xlogy(a, torch.where(a > 0, 2 * a / total.clamp_min(tiny), 1.0))

    return 0.5 * integrate(half(p), x) + 0.5 * integrate(half(q), x)


def virtual_training_criterion(p_data: Tensor, p_g: Tensor, x: Tensor) -> float:
    """``C(G) = max_D V(D, G) = V(D*, G)`` (Theorem 1's left-hand side).

    ``1 - D*`` is computed as ``p_g / (p_data + p_g)``, not by subtraction: where ``p_g`` is tiny
    but positive, ``D*`` rounds to 1 and ``log(1 - D*)`` would be ``-inf`` instead of a term of
    order ``p_g log p_g``.
    """
    d_real = optimal_discriminator(p_data, p_g)
    d_fake = optimal_discriminator(p_g, p_data)  # = 1 - D*, without cancellation
    integrand = torch.special.xlogy(p_data, d_real) + torch.special.xlogy(p_g, d_fake)
    return integrate(integrand, x)


def theorem_1_rhs(p_data: Tensor, p_g: Tensor, x: Tensor) -> float:
    """Theorem 1's right-hand side, ``-log 4 + 2 JSD(p_data || p_g)``."""
    return -math.log(4) + 2 * jensen_shannon(p_data, p_g, x)
