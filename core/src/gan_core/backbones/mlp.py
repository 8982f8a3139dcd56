"""A plain multilayer perceptron with a choice of normalisation, for the toy 2-D sets and MLP GANs."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from torch import Tensor, nn

#: normalisations a block accepts: batch norm (DCGAN), layer norm (Gulrajani et al. 2017's advice
#: for a critic with a gradient penalty, which batch norm would break) or none
NORMS = ("batch", "layer", "none")


def _norm_1d(norm: str, width: int) -> nn.Module | None:
    if norm == "batch":
        return nn.BatchNorm1d(width)
    if norm == "layer":
        return nn.LayerNorm(width)
    if norm == "none":
        return None
    raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")


class MLP(nn.Sequential):
    """``in_dim -> [Linear, norm, activation]* -> Linear -> out_dim``, no output activation.

    ``activation`` is a factory (``nn.ReLU``, ``lambda: nn.LeakyReLU(0.2)``) so that each layer gets
    its own module and ``print(model)`` reads like the paper's table.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        hidden: Sequence[int],
        activation: type[nn.Module] | None = None,
        norm: str = "none",
        dropout: float = 0.0,
    ) -> None:
        make_activation = activation or nn.ReLU
        widths = [in_dim, *hidden]
        layers: list[nn.Module] = []
        for fan_in, fan_out in itertools.pairwise(widths):
            layers.append(nn.Linear(fan_in, fan_out))
            normalisation = _norm_1d(norm, fan_out)
            if normalisation is not None:
                layers.append(normalisation)
            layers.append(make_activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(widths[-1], out_dim))
        super().__init__(*layers)
        self.in_dim, self.out_dim = in_dim, out_dim

    def forward(self, x: Tensor) -> Tensor:  # typed override of Sequential.forward
        return super().forward(x)
