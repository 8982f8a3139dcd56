"""Precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020).

All four estimate the real and the generated feature distributions' supports by unions of balls
around the samples, each ball's radius the distance to the sample's k-th nearest neighbour within its
own set (the sample itself excluded by index: a duplicate is a neighbour at distance 0).

* precision: the fraction of fake samples inside at least one real ball (``distance <= radius``);
* recall: the fraction of real samples inside at least one fake ball (``<=``);
* density: the number of real balls containing a fake sample, summed over fake samples and divided by
  ``k * #fake`` (``distance < radius``, strictly, as in the authors' ``prdc`` package);
* coverage: the fraction of real samples whose ball contains at least one fake sample (``<``).

The ``<=`` of precision and recall follows Kynkäänniemi et al.'s code and torch-fidelity; prdc's own
precision and recall use ``<`` and differ from these on ties. Comparisons are made on squared
distances, exactly: see :mod:`gan_plugin_metrics.functional._neighbours` for how ties and duplicates
are decided exactly while the bulk of the work stays a float32 matrix product, and why memory does not
grow with the number of samples.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor

from gan_plugin_metrics.functional import _neighbours as nb
from gan_plugin_metrics.functional._arrays import features, positive_int


class PrecisionRecall(NamedTuple):
    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    density: float
    coverage: float


def _prepared(real: Any, fake: Any, k: int, fake_min_rows: int) -> tuple[nb.Points, nb.Points]:
    r = features(real, "real", min_rows=k + 1)
    f = features(fake, "fake", min_rows=fake_min_rows, dim=r.shape[1], dim_of="real").to(r.device)
    centre = nb.centre_of(r)
    dtype = nb.approx_dtype(r.device)
    return nb.prepare(r, centre, dtype), nb.prepare(f, centre, dtype)


def precision_recall_with_counters(real: Any, fake: Any, k: int = 3) -> tuple[PrecisionRecall, nb.Counters]:
    """:func:`precision_recall` and what its passes did (for tests and benchmarks)."""
    k = positive_int(k, "k")
    points_real, points_fake = _prepared(real, fake, k, fake_min_rows=k + 1)
    counters = nb.Counters()
    real_radii = nb.kth_neighbour_sqdist(points_real, k, counters)
    fake_radii = nb.kth_neighbour_sqdist(points_fake, k, counters)
    counts = nb.cross_counts(points_real, points_fake, real_radii, fake_radii, strict=False, counters=counters)
    assert counts.real_in_some_fake_ball is not None
    precision = _fraction(counts.real_balls_per_fake > 0)
    recall = _fraction(counts.real_in_some_fake_ball)
    return PrecisionRecall(precision, recall), counters


def density_coverage_with_counters(real: Any, fake: Any, k: int = 5) -> tuple[DensityCoverage, nb.Counters]:
    """:func:`density_coverage` and what its passes did (for tests and benchmarks)."""
    k = positive_int(k, "k")
    points_real, points_fake = _prepared(real, fake, k, fake_min_rows=1)
    counters = nb.Counters()
    real_radii = nb.kth_neighbour_sqdist(points_real, k, counters)
    counts = nb.cross_counts(points_real, points_fake, real_radii, None, strict=True, counters=counters)
    # (1/k) * mean, in this order, so that the float matches prdc's bit for bit
    density = (1.0 / k) * (int(counts.real_balls_per_fake.sum()) / points_fake.size)
    coverage = _fraction(counts.real_has_fake_inside)
    return DensityCoverage(density, coverage), counters


def precision_recall(real: Any, fake: Any, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real`` features.

    ``real``: ``(n, d)``, ``fake``: ``(m, d)``, numpy arrays or torch tensors (computed on ``real``'s
    device); each set needs more than ``k`` samples. ``k = 3`` is the paper's choice.
    """
    return precision_recall_with_counters(real, fake, k)[0]


def density_coverage(real: Any, fake: Any, k: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real`` features.

    ``real`` needs more than ``k`` samples, ``fake`` at least one. ``k = 5`` is the paper's choice.
    Density is not bounded by 1: it exceeds 1 where fake samples crowd into dense real regions.
    """
    return density_coverage_with_counters(real, fake, k)[0]


def _fraction(mask: Tensor) -> float:
    return float(mask.to(torch.float64).mean())
