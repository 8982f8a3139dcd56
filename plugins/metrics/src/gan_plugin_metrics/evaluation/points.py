"""The point metrics as :class:`gan_core.MetricSpec` records: ``point-modes`` and ``swd``.

They measure samples of shape ``(n, d)`` directly, with no feature extractor, so they serve 2-D runs
in ``gan eval`` (where they are the default on a point run) and in ``train.eval_metrics`` alike:

- ``point-modes`` -> ``modes``, ``high_quality``: for the core's toy mixtures ``ring8`` and ``grid25``
  only (their mode centres and standard deviation are known); the modes covered by at least one
  high-quality sample, and the share of high-quality samples (within 3 standard deviations of the
  nearest mode centre), as PacGAN and ``benchmarks/toy_modes.py`` score them;
- ``swd`` -> ``swd``: the sliced Wasserstein distance between generated and real points, for any
  point set (:func:`gan_plugin_metrics.functional.points.sliced_wasserstein`).

The name ``point-modes`` is not ``modes``: ``modes`` is Stacked MNIST's classifier measure, which reads
images through a feature extractor; the two answer different questions with different inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import Tensor

from gan_core import ConfigError, MetricSpec, Registry, UnknownNameError, describe_choices
from gan_core.data import GaussianMixture2D, grid25, ring8
from gan_plugin_metrics._names import POINT_MODES, SWD
from gan_plugin_metrics.functional.points import SWD_PROJECTIONS, SWD_SEED, mode_coverage, sliced_wasserstein

#: the core's toy data sets whose mode centres are known, by qualified data-set name
TOY_MIXTURES: Mapping[str, Callable[[], GaussianMixture2D]] = {"core:ring8": ring8, "core:grid25": grid25}


def toy_mixture(dataset: str | None, registry: Registry | None = None) -> GaussianMixture2D | None:
    """The mixture behind ``dataset`` (``ring8``, ``core:grid25``, ...), or ``None`` for another data set.

    With a registry the name is resolved there, so that a plugin's own ``ring8`` is not mistaken for
    the core's; without one a bare name is taken for the core's.
    """
    if not dataset:
        return None
    qualified = dataset if ":" in dataset else f"core:{dataset}"
    if registry is not None:
        try:
            qualified = registry.datasets.qualify(dataset)
        except (UnknownNameError, KeyError):  # not registered here (ambiguous: not one of ours to guess)
            return None
    factory = TOY_MIXTURES.get(qualified)
    return factory() if factory is not None else None


def _check_points(name: str, real: Tensor, fake: Tensor) -> None:
    if real.dim() != 2 or fake.dim() != 2:
        shape = tuple(fake.shape[1:]) if fake.dim() != 2 else tuple(real.shape[1:])
        raise ConfigError("metrics", f"{name!r} measures points (n, d); got samples of shape {shape}")


def point_modes(
    real: Tensor, fake: Tensor, *, dataset: str | None = None, registry: Registry | None = None, **_: Any
) -> dict[str, float]:
    """``modes`` (covered) and ``high_quality`` (share) of the generated points under the run's toy mixture."""
    _check_points(POINT_MODES, real, fake)
    mixture = toy_mixture(dataset, registry)
    if mixture is None:
        known = describe_choices(name.partition(":")[2] for name in TOY_MIXTURES)
        raise ConfigError(
            "metrics",
            f"{POINT_MODES!r} knows the modes of {known}, not of {dataset!r}; 'swd' measures any point set",
        )
    coverage = mode_coverage(fake, mixture)
    return {"modes": float(coverage.modes_captured), "high_quality": coverage.high_quality_fraction}


def swd(real: Tensor, fake: Tensor, **_: Any) -> dict[str, float]:
    """``swd``: the sliced Wasserstein distance between the real and the generated points."""
    _check_points(SWD, real, fake)
    return {"swd": sliced_wasserstein(real.flatten(1), fake.flatten(1))}


POINT_METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        POINT_MODES,
        point_modes,
        "ring8/grid25: modes with a high-quality sample (within 3 std of its nearest centre) and their share",
    ),
    MetricSpec(
        SWD,
        swd,
        f"sliced 2-Wasserstein distance between generated and real points "
        f"({SWD_PROJECTIONS} directions, seed {SWD_SEED})",
        higher_is_better=False,
    ),
)
