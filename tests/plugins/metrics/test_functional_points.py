"""The point metrics on hand-made point sets: mode coverage and high-quality share of ring8/grid25 (as
``benchmarks/toy_modes.py`` scores them), and the sliced Wasserstein distance against a direct computation."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core import ConfigError, Registry, create_registry, hookimpl
from gan_core.data import DatasetSpec, grid25, ring8
from gan_plugin_metrics.evaluation.points import POINT_METRIC_SPECS, point_modes, swd, toy_mixture
from gan_plugin_metrics.functional.points import (
    SWD_PROJECTIONS,
    mode_coverage,
    sliced_wasserstein,
    swd_directions,
    wasserstein2_squared_1d,
)

MIXTURES = {"ring8": ring8, "grid25": grid25}


def _repeat(means: torch.Tensor, n: int) -> torch.Tensor:
    return means.repeat(n // len(means) + 1, 1)[:n]


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_samples_on_every_centre_cover_every_mode_at_full_quality(name: str) -> None:
    mixture = MIXTURES[name]()
    fake = _repeat(mixture.means, 2500)
    result = point_modes(mixture.sample(100), fake, dataset=name)
    assert result == {"modes": float(len(mixture.means)), "high_quality": 1.0}


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_samples_in_one_mode_cover_one(name: str) -> None:
    mixture = MIXTURES[name]()
    fake = mixture.means[3] + torch.randn(500, 2, generator=torch.Generator().manual_seed(0)) * mixture.std
    result = point_modes(fake, fake, dataset=f"core:{name}")
    assert result["modes"] == 1.0
    assert result["high_quality"] > 0.95  # a 2-D Gaussian puts 98.9% of its mass within 3 std


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_samples_far_away_cover_nothing(name: str) -> None:
    fake = torch.full((200, 2), 50.0)
    assert point_modes(fake, fake, dataset=name) == {"modes": 0.0, "high_quality": 0.0}


def test_the_threshold_is_three_standard_deviations_from_the_nearest_centre() -> None:
    mixture = ring8()
    direction = torch.tensor([0.6, 0.8])  # a unit vector
    inside = mixture.means[0] + 2.99 * mixture.std * direction
    outside = mixture.means[1] + 3.01 * mixture.std * direction
    result = point_modes(inside[None], torch.stack([inside, outside]), dataset="ring8")
    assert result == {"modes": 1.0, "high_quality": 0.5}
    # the same numbers as benchmarks/toy_modes.py's scoring (the mixture's own coverage)
    coverage = mixture.coverage(torch.stack([inside, outside]))
    assert (coverage.modes_captured, coverage.high_quality_fraction) == (1, 0.5)
    assert mode_coverage(torch.stack([inside, outside]), mixture) == coverage


def test_point_modes_needs_a_known_mixture_and_points() -> None:
    points = torch.zeros(10, 2)
    with pytest.raises(ConfigError, match="knows the modes of 'ring8' or 'grid25', not of 'blobs'"):
        point_modes(points, points, dataset="blobs")
    images = torch.zeros(4, 1, 8, 8)
    with pytest.raises(ConfigError, match="measures points"):
        point_modes(images, images, dataset="ring8")
    with pytest.raises(ConfigError, match="measures points"):
        swd(images, images)


def test_the_mixture_is_found_through_the_registry() -> None:
    registry = create_registry(entry_points=False)
    assert toy_mixture("ring8", registry).name == "ring8"  # type: ignore[union-attr]
    assert toy_mixture("core:grid25", registry).name == "grid25"  # type: ignore[union-attr]
    assert toy_mixture("mnist-5k", registry) is None
    assert toy_mixture("ring8") is not None and toy_mixture("elsewhere:ring8") is None

    class _OtherRing:  # a plugin's own "ring8" makes the bare name ambiguous: not guessed
        @hookimpl
        def gan_register_datasets(self, register):  # type: ignore[no-untyped-def]
            register(DatasetSpec("ring8", lambda options: None))

    both: Registry = create_registry(plugins={"other": _OtherRing()}, entry_points=False)
    assert toy_mixture("ring8", both) is None and toy_mixture("core:ring8", both) is not None


# --- sliced Wasserstein distance ------------------------------------------------------------------


def _direct_swd(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Projection by projection, with equal-size sets: the mean squared gap of the sorted projections."""
    directions = swd_directions(real.shape[1])
    total = 0.0
    for theta in directions:
        a = sorted((real.double() @ theta).tolist())
        b = sorted((fake.double() @ theta).tolist())
        total += sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) / len(a)
    return math.sqrt(total / len(directions))


def test_swd_of_identical_sets_is_zero() -> None:
    points = ring8().sample(300, torch.Generator().manual_seed(1))
    assert sliced_wasserstein(points, points) == 0.0
    assert sliced_wasserstein(points, points[torch.randperm(300)]) == pytest.approx(0.0, abs=1e-12)
    assert swd(points, points) == {"swd": 0.0}


def test_swd_grows_with_a_shift_and_matches_a_direct_computation() -> None:
    generator = torch.Generator().manual_seed(2)
    real = grid25().sample(200, generator)
    fake = grid25().sample(200, generator)
    assert sliced_wasserstein(real, fake) == pytest.approx(_direct_swd(real, fake), rel=1e-10)
    shifts = [0.0, 0.1, 0.5, 2.0]
    distances = [sliced_wasserstein(real, real + torch.tensor([s, 0.0])) for s in shifts]
    assert distances == sorted(distances) and distances[0] == 0.0
    # a translation by v moves every projected quantile by theta . v, so SWD = sqrt(mean (theta . v)^2)
    v = torch.tensor([2.0, -1.0], dtype=torch.float64)
    expected = math.sqrt(float(((swd_directions(2) @ v) ** 2).mean()))
    assert sliced_wasserstein(real, real + v.float()) == pytest.approx(expected, rel=1e-5)
    assert expected == pytest.approx(float(v.norm()) / math.sqrt(2), rel=0.1)  # its mean over directions
    for shift, distance in zip(shifts, distances, strict=True):
        assert distance == pytest.approx(_direct_swd(real, real + torch.tensor([shift, 0.0])), rel=1e-6, abs=1e-9)


def test_swd_of_unequal_sizes_is_exact() -> None:
    """A set of n points is the same distribution as each of them twice: the distance must not change."""
    generator = torch.Generator().manual_seed(3)
    real, fake = ring8().sample(150, generator), ring8().sample(75, generator) * 1.3
    doubled = fake.repeat(2, 1)
    assert sliced_wasserstein(real, fake) == pytest.approx(sliced_wasserstein(real, doubled), rel=1e-12)
    assert sliced_wasserstein(real, doubled) == pytest.approx(_direct_swd(real, doubled), rel=1e-10)
    # one point against two: W2^2 = ((a - b1)^2 + (a - b2)^2) / 2
    a, b = torch.tensor([[0.0]]), torch.tensor([[1.0], [3.0]])
    assert float(wasserstein2_squared_1d(a, b)[0]) == pytest.approx(5.0)
    # three against two: quantile steps at 1/3, 1/2, 2/3
    a, b = torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([[0.0], [3.0]])
    expected = (0 - 0) ** 2 / 3 + (1 - 0) ** 2 / 6 + (1 - 3) ** 2 / 6 + (2 - 3) ** 2 / 3
    assert float(wasserstein2_squared_1d(a, b)[0]) == pytest.approx(expected)


def test_swd_directions_are_fixed_unit_vectors() -> None:
    directions = swd_directions(2)
    assert directions.shape == (SWD_PROJECTIONS, 2)
    assert torch.allclose(directions.norm(dim=1), torch.ones(SWD_PROJECTIONS, dtype=torch.float64))
    assert torch.equal(directions, swd_directions(2))


def test_the_point_specs_are_registered_by_the_plugin(registry: Registry) -> None:
    for spec in POINT_METRIC_SPECS:
        assert registry.metric(spec.name) is spec
    assert not registry.metric("swd").higher_is_better
