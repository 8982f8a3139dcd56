"""Goodfellow et al. 2014, section 4, checked numerically with ``gan_plugin_vanilla.theory``.

Proposition 1: for a fixed G, ``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` maximises ``V(D, G)``.
Theorem 1: ``V(D*, G) = -log 4 + 2 JSD(p_data || p_g)``, so the game's minimum ``-log 4`` is reached
exactly when ``p_g = p_data``.

Densities live on grids of cell midpoints. Uniform densities jump; every grid below puts each jump on
a cell edge (a multiple of the cell width from the grid's low end), where the midpoint rule is exact.
Gaussian integrands are smooth and decay fast, for which the midpoint rule converges exponentially in
the cell width: cells of 1e-3 are far finer than 1e-6 needs, and keep the tests fast.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor

from gan_plugin_vanilla import theory as T

LOG2, LOG4 = math.log(2), math.log(4)

SMOOTH_X = T.grid(-14.0, 14.0, 28_000)  # cell width 1e-3; Gaussian tails below 1e-40 at both ends
STEP_X = T.grid(-1.0, 4.0, 5_000)  # cell width 1e-3: 0, 0.1, ..., 3 are all cell edges


def _pairs() -> dict[str, tuple[Tensor, Tensor, Tensor]]:
    x = SMOOTH_X
    return {
        "two gaussians": (T.gaussian_pdf(x, 0.0, 1.0), T.gaussian_pdf(x, 1.5, 0.7), x),
        "gaussian vs mixture": (
            T.gaussian_pdf(x, 0.0, 1.0),
            T.mixture_pdf((0.3, T.gaussian_pdf(x, -2.0, 0.5)), (0.7, T.gaussian_pdf(x, 2.0, 1.0))),
            x,
        ),
        "overlapping uniforms": (T.uniform_pdf(STEP_X, 0.0, 2.0), T.uniform_pdf(STEP_X, 1.0, 3.0), STEP_X),
    }


PAIRS = _pairs()


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_densities_are_normalised_on_their_grids(name: str) -> None:
    p_data, p_g, x = PAIRS[name]
    assert T.integrate(p_data, x) == pytest.approx(1.0, abs=1e-10)
    assert T.integrate(p_g, x) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_theorem_1_virtual_training_criterion_is_minus_log_4_plus_twice_the_jsd(name: str) -> None:
    p_data, p_g, x = PAIRS[name]
    criterion = T.virtual_training_criterion(p_data, p_g, x)
    assert math.isfinite(criterion)
    assert criterion == pytest.approx(T.theorem_1_rhs(p_data, p_g, x), abs=1e-6)
    assert criterion == pytest.approx(-LOG4 + 2 * T.jensen_shannon(p_data, p_g, x), abs=1e-6)
    assert -LOG4 < criterion < 0  # the pairs differ, so C(G) is above its minimum


def test_overlapping_uniforms_match_the_closed_form() -> None:
    """U[0,2] vs U[1,3] overlap on half their mass: JSD = (1/2) log 2, so C(G) = -log 2."""
    p_data, p_g, x = PAIRS["overlapping uniforms"]
    assert T.jensen_shannon(p_data, p_g, x) == pytest.approx(0.5 * LOG2, abs=1e-9)
    assert T.virtual_training_criterion(p_data, p_g, x) == pytest.approx(-LOG2, abs=1e-9)


@pytest.mark.parametrize("shift", [0.1, 0.25, 0.5, 0.8, 1.0])
def test_jsd_of_shifted_unit_uniforms_is_shift_times_log_2(shift: float) -> None:
    """For U[0,1] vs U[a, 1+a] (0 <= a <= 1) each density has mass a where the other has none,
    each such point contributing log 2 to its KL against the mixture: JSD = a log 2."""
    p, q = T.uniform_pdf(STEP_X, 0.0, 1.0), T.uniform_pdf(STEP_X, shift, 1.0 + shift)
    assert T.jensen_shannon(p, q, STEP_X) == pytest.approx(shift * LOG2, abs=1e-6)
    assert T.virtual_training_criterion(p, q, STEP_X) == pytest.approx(-LOG4 + 2 * shift * LOG2, abs=1e-6)


def test_kl_of_two_gaussians_matches_the_closed_form() -> None:
    """An independent check of the integration: KL(N(m1, s1) || N(m2, s2)) has a closed form."""
    m1, s1, m2, s2 = 0.0, 1.0, 1.5, 0.7
    closed = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    p, q = T.gaussian_pdf(SMOOTH_X, m1, s1), T.gaussian_pdf(SMOOTH_X, m2, s2)
    assert T.kl_divergence(p, q, SMOOTH_X) == pytest.approx(closed, abs=1e-9)


@pytest.mark.parametrize(
    "density",
    [
        lambda x: T.gaussian_pdf(x, 0.3, 1.2),
        lambda x: T.mixture_pdf((0.5, T.gaussian_pdf(x, -3.0, 0.4)), (0.5, T.gaussian_pdf(x, 3.0, 0.4))),
    ],
    ids=["gaussian", "mixture"],
)
def test_generator_equal_to_data_reaches_the_global_minimum(density) -> None:  # type: ignore[no-untyped-def]
    p = density(SMOOTH_X)
    assert T.jensen_shannon(p, p.clone(), SMOOTH_X) == pytest.approx(0.0, abs=1e-12)
    torch.testing.assert_close(T.optimal_discriminator(p, p.clone()), torch.full_like(p, 0.5))
    assert T.virtual_training_criterion(p, p.clone(), SMOOTH_X) == pytest.approx(-LOG4, abs=1e-6)


def test_generator_equal_to_data_reaches_the_global_minimum_for_uniforms() -> None:
    p = T.uniform_pdf(STEP_X, 0.5, 2.5)
    assert T.jensen_shannon(p, p.clone(), STEP_X) == pytest.approx(0.0, abs=1e-12)
    assert T.virtual_training_criterion(p, p.clone(), STEP_X) == pytest.approx(-LOG4, abs=1e-9)


def _directions(x: Tensor) -> dict[str, Tensor]:
    rng = torch.Generator().manual_seed(0)
    amplitude, frequency, phase = (torch.rand(8, 1, generator=rng, dtype=torch.float64) for _ in range(3))
    smooth = (amplitude * torch.sin(3 * frequency * x + 6.3 * phase)).sum(0)  # a smooth random direction
    return {
        "up": torch.ones_like(x),
        "down": -torch.ones_like(x),
        "sine": torch.sin(x),
        "bump at 0": torch.exp(-0.5 * x**2),
        "bump at 2": -torch.exp(-0.5 * (x - 2) ** 2 / 0.1),
        "tilt": x / 10,
        "smooth random": smooth / smooth.abs().max(),
    }


@pytest.mark.parametrize("eps", [0.5, 0.05])
def test_proposition_1_optimal_discriminator_maximises_v(eps: float) -> None:
    """V(D, G) is strictly concave in D(x) wherever p_data + p_g > 0, so moving D* in any direction
    lowers it. Perturbing the logit keeps D inside (0, 1)."""
    x = T.grid(-10.0, 10.0, 10_000)
    p_data, p_g = T.gaussian_pdf(x, 0.0, 1.0), T.gaussian_pdf(x, 1.0, 1.3)
    d_star = T.optimal_discriminator(p_data, p_g)
    assert bool(((d_star > 0) & (d_star < 1)).all())  # no rounding to 0 or 1 on this grid
    best = T.value(d_star, p_data, p_g, x)
    assert best == pytest.approx(T.virtual_training_criterion(p_data, p_g, x), abs=1e-12)
    for name, direction in _directions(x).items():
        perturbed = torch.sigmoid(torch.logit(d_star) + eps * direction)
        assert T.value(perturbed, p_data, p_g, x) < best - 1e-9, name
    assert T.value(torch.full_like(x, 0.5), p_data, p_g, x) == pytest.approx(-LOG4, abs=1e-9)  # D = 1/2


def test_jsd_is_symmetric_and_bounded_by_log_2() -> None:
    x = SMOOTH_X
    densities = [
        T.gaussian_pdf(x, 0.0, 1.0),
        T.gaussian_pdf(x, 1.5, 0.7),
        T.gaussian_pdf(x, -4.0, 2.0),
        T.mixture_pdf((0.3, T.gaussian_pdf(x, -2.0, 0.5)), (0.7, T.gaussian_pdf(x, 2.0, 1.0))),
    ]
    for i, p in enumerate(densities):
        for q in densities[i + 1 :]:
            forward, backward = T.jensen_shannon(p, q, x), T.jensen_shannon(q, p, x)
            assert forward == pytest.approx(backward, abs=1e-12)
            assert 0 < forward < LOG2
            assert T.kl_divergence(p, q, x) != pytest.approx(T.kl_divergence(q, p, x), abs=1e-3)  # KL is not


def test_disjoint_supports_give_jsd_log_2() -> None:
    disjoint = (T.uniform_pdf(STEP_X, 0.0, 1.0), T.uniform_pdf(STEP_X, 2.0, 3.0))
    assert T.jensen_shannon(*disjoint, STEP_X) == pytest.approx(LOG2, abs=1e-9)
    assert T.virtual_training_criterion(*disjoint, STEP_X) == pytest.approx(0.0, abs=1e-9)  # -log 4 + 2 log 2
    assert T.kl_divergence(*disjoint, STEP_X) == math.inf
    far = T.grid(-15.0, 65.0, 8_000)  # Gaussians 50 std apart: their overlap underflows to zero
    gaussians = (T.gaussian_pdf(far, 0.0, 1.0), T.gaussian_pdf(far, 50.0, 1.0))
    assert T.jensen_shannon(*gaussians, far) == pytest.approx(LOG2, abs=1e-9)


def test_the_jsd_of_far_apart_gaussians_is_log_2_on_a_wide_grid() -> None:
    """A grid wide enough for N(0, 1) and N(30, 1) reaches the subnormal floats, where (p + q) / 2
    underflowed to 0 and made the JSD infinite (docs/theory/failure-modes.md's table hit it)."""
    x = T.grid(-20.0, 50.0, 700_000)
    p = T.gaussian_pdf(x, 0.0, 1.0)
    for mean, expected in ((0.0, 0.0), (1.0, 0.111421), (30.0, LOG2)):
        assert T.jensen_shannon(p, T.gaussian_pdf(x, mean, 1.0), x) == pytest.approx(expected, abs=1e-6)
