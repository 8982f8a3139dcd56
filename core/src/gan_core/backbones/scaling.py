"""The affine map between the unit interval the networks work in and a data set's value range."""

from __future__ import annotations

import attrs
from torch import Tensor


@attrs.frozen
class ValueRange:
    """A data set's value range (``DataInfo.value_range``), and the map from [-1, 1] into it.

    Generators end in tanh (or a linear layer) whose natural range is [-1, 1], while data sets differ:
    images in [-1, 1], the toy grid in about +-4.3. Scaling the output, rather than the data, keeps
    samples in the data's own units, so metrics and plots read them as they are.
    """

    low: float = -1.0
    high: float = 1.0

    @property
    def center(self) -> float:
        return (self.high + self.low) / 2

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def from_unit(self, u: Tensor) -> Tensor:
        """[-1, 1] -> [low, high]."""
        return u * self.half_width + self.center

    def to_unit(self, x: Tensor) -> Tensor:
        """[low, high] -> [-1, 1]; the inverse of :meth:`from_unit`, for critics that read raw samples."""
        return (x - self.center) / self.half_width
