"""Streaming mean and covariance of feature vectors, in float64, mergeable across processes.

FID needs the mean and covariance of tens of thousands of 2048-d features. Holding the features costs
memory proportional to their number; :class:`FeatureStatistics` keeps only the count, the mean and the
scatter matrix (sum of outer products of the centred samples): ``d + d*d`` float64 numbers whatever the
number of samples. Batches are combined with the pairwise update of Chan, Golub and LeVeque (1979): each
batch is centred on its own mean before its scatter is formed, and the difference of the means is added
as a rank-one correction, so no large sums of squares are subtracted (the textbook
``E[xx^T] - E[x]E[x]^T`` loses all precision when features have a large common offset). The same update
merges two accumulators, which is how per-process statistics are combined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor

from gan_core.errors import ConfigError
from gan_plugin_metrics.functional._arrays import features


class FeatureStatistics:
    """Running count, mean and scatter of feature vectors (float64), fed batch by batch.

    >>> stats = FeatureStatistics()
    >>> for batch in batches:            # doctest: +SKIP
    ...     stats.update(batch)          # (n, d) array or tensor, any float dtype, any device
    >>> stats.mean, stats.covariance     # doctest: +SKIP

    The covariance is the unbiased one (divisor ``N - 1``), as ``numpy.cov`` and the FID references
    compute it. The accumulator lives on the device of the first batch; merging moves the other one's
    numbers there. Memory is ``(d + d*d) * 8`` bytes (32 MiB at d = 2048) for any number of samples.
    """

    __slots__ = ("_count", "_mean", "_scatter")

    def __init__(self, dim: int | None = None, *, device: torch.device | str | None = None) -> None:
        self._count = 0
        self._mean: Tensor | None = None
        self._scatter: Tensor | None = None
        if dim is not None:
            if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
                raise ConfigError("dim", f"must be an integer >= 1, got {dim!r}")
            self._mean = torch.zeros(dim, dtype=torch.float64, device=device)
            self._scatter = torch.zeros(dim, dim, dtype=torch.float64, device=device)

    # --- building ----------------------------------------------------------------------------------

    @classmethod
    def from_features(cls, values: Any, *, batch_size: int = 8192) -> FeatureStatistics:
        """The statistics of a whole ``(n, d)`` set, accumulated in slices of ``batch_size`` rows so
        that the float64 working copy stays small even for a large float32 input."""
        x = features(values, "features")
        stats = cls()
        for start in range(0, x.shape[0], batch_size):
            stats.update(x[start : start + batch_size])
        return stats

    def update(self, batch: Any) -> FeatureStatistics:
        """Add the rows of a ``(n, d)`` batch; returns ``self`` so that calls can be chained.

        An empty batch (``n = 0``) changes nothing. The batch is converted to float64 on the
        accumulator's device before anything is summed.
        """
        dim = None if self._mean is None else self._mean.shape[0]
        x = features(batch, "batch", min_rows=0, dim=dim, dim_of="the accumulator")
        if x.shape[0] == 0:
            return self
        device = x.device if self._mean is None else self._mean.device
        x = x.to(device=device, dtype=torch.float64)
        n = x.shape[0]
        mean = x.mean(dim=0)
        centred = x - mean
        self._combine(n, mean, centred.T @ centred)
        return self

    def merge(self, other: FeatureStatistics) -> FeatureStatistics:
        """A new accumulator holding the samples of both (neither input is changed).

        The result equals the statistics of the concatenated samples up to float64 rounding, so
        per-process accumulators can be gathered and merged in any order.
        """
        if not isinstance(other, FeatureStatistics):
            raise ConfigError("other", f"expected FeatureStatistics, got {type(other).__name__}")
        if self._mean is not None and other._mean is not None and self._mean.shape != other._mean.shape:
            raise ConfigError("other", f"has dimension {other._mean.shape[0]} but these statistics have {self.dim}")
        merged = FeatureStatistics()
        for part in (self, other):
            if part._mean is None:
                continue
            if merged._mean is None:
                merged._count = part._count
                merged._mean = part._mean.clone()
                assert part._scatter is not None
                merged._scatter = part._scatter.clone()
            elif part._count:
                assert part._scatter is not None
                device = merged._mean.device
                merged._combine(part._count, part._mean.to(device), part._scatter.to(device))
        return merged

    @classmethod
    def merge_all(cls, parts: Iterable[FeatureStatistics]) -> FeatureStatistics:
        """The merge of any number of accumulators (an empty accumulator when there are none)."""
        result = cls()
        for part in parts:
            result = result.merge(part)
        return result

    def _combine(self, n: int, mean: Tensor, scatter: Tensor) -> None:
        """Chan et al.'s update: add a group of ``n`` samples given by its mean and scatter."""
        if self._mean is None or self._scatter is None:
            self._count, self._mean, self._scatter = n, mean.clone(), scatter.clone()
            return
        total = self._count + n
        delta = mean - self._mean
        self._scatter += scatter
        self._scatter += torch.outer(delta, delta) * (self._count * n / total)
        self._mean += delta * (n / total)
        self._count = total

    # --- reading -----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of samples added so far."""
        return self._count

    @property
    def dim(self) -> int | None:
        """Feature size, or ``None`` before the first batch (when no ``dim`` was given)."""
        return None if self._mean is None else int(self._mean.shape[0])

    @property
    def mean(self) -> Tensor:
        """The float64 mean vector (needs at least one sample)."""
        if self._mean is None or self._count == 0:
            raise ConfigError("statistics", "no samples were added, so there is no mean")
        return self._mean.clone()

    @property
    def covariance(self) -> Tensor:
        """The float64 unbiased covariance (divisor ``N - 1``; needs at least two samples), made exactly
        symmetric (a matrix product leaves the two triangles differing in the last bit)."""
        if self._scatter is None or self._count < 2:
            raise ConfigError("statistics", f"a covariance needs at least 2 samples, got {self._count}")
        return (self._scatter + self._scatter.T) / (2 * (self._count - 1))

    # --- saving and gathering ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Tensor]:
        """Plain tensors (``count``, ``mean``, ``scatter``) for saving (e.g. with safetensors) or for
        gathering across processes; :meth:`from_state_dict` rebuilds the accumulator."""
        if self._mean is None or self._scatter is None:
            raise ConfigError("statistics", "no samples were added, so there is nothing to save")
        return {
            "count": torch.tensor([self._count], dtype=torch.int64),
            "mean": self._mean.clone(),
            "scatter": self._scatter.clone(),
        }

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> FeatureStatistics:
        """The accumulator saved by :meth:`state_dict` (tensors or numpy arrays)."""
        missing = {"count", "mean", "scatter"} - set(state)
        if missing:
            raise ConfigError("state", f"is missing {', '.join(sorted(missing))}")
        count = int(torch.as_tensor(state["count"]).reshape(-1)[0])
        mean = torch.as_tensor(state["mean"]).to(torch.float64)
        scatter = torch.as_tensor(state["scatter"]).to(torch.float64)
        if count < 0 or mean.ndim != 1 or tuple(scatter.shape) != (mean.shape[0], mean.shape[0]):
            raise ConfigError(
                "state", f"is inconsistent: count {count}, mean {tuple(mean.shape)}, scatter {tuple(scatter.shape)}"
            )
        stats = cls()
        stats._count, stats._mean, stats._scatter = count, mean.clone(), scatter.to(mean.device).clone()
        return stats

    def __repr__(self) -> str:
        return f"FeatureStatistics(count={self._count}, dim={self.dim})"
