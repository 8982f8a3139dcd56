"""Running a trained network over many inputs, and the noise and labels that generators read.

One function serves every batched, eval-mode forward pass of the library (sampling, evaluation,
metrics, DTN's transfers and classifiers), so that each gets the same chunking, device handling
and restoration of the module's mode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn


def sample_latent(n: int, latent_dim: int, seed: int, device: torch.device | str = "cpu") -> Tensor:
    """``z ~ N(0, I)`` drawn from a private generator, so sampling never disturbs the global RNG."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, latent_dim, generator=generator).to(device)


def grid_labels(n: int, num_classes: int | None, labels: Sequence[int] | int | None = None) -> Tensor | None:
    """Labels for conditional samples: the classes in turn when ``labels`` is ``None``; otherwise the
    given classes in equal consecutive blocks (``--label 0,1,2`` with ``--n 30``: ten 0s, ten 1s,
    ten 2s), so that a grid shows each requested class together. When ``n`` is not a multiple of
    their number the first blocks are one longer (``--n 7``: three 0s, two 1s, two 2s), so that no
    class is left out while ``n`` is at least the number of classes; fewer is an error."""
    if num_classes is None:
        return None
    if labels is None:
        return torch.arange(n) % num_classes
    chosen = torch.tensor([labels] if isinstance(labels, int) else list(labels), dtype=torch.long)
    if chosen.numel() == 0:
        raise ValueError("labels must name at least one class")
    if chosen.numel() > n:
        raise ValueError(f"{chosen.numel()} classes do not fit in {n} samples")
    base, extra = divmod(n, chosen.numel())
    sizes = torch.full_like(chosen, base) + (torch.arange(chosen.numel()) < extra)
    return chosen.repeat_interleave(sizes)


def _device_of(module: nn.Module) -> torch.device | None:
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else None


def forward_batches(module: nn.Module, x: Tensor, y: Tensor | None = None, batch_size: int = 512) -> Iterator[Tensor]:
    """``module(x, y)`` in eval mode and without gradients, one chunk of ``batch_size`` at a time, as
    float32 on the module's device: for callers that must not hold every output at once (metrics).

    Each chunk moves to the module's device (a no-op where it already is); the module's previous
    mode is restored when the iteration ends, even on error.
    """
    was_training = module.training
    module.eval()
    device = _device_of(module) or x.device
    try:
        for start in range(0, len(x), batch_size):
            chunk = x[start : start + batch_size].to(device)
            with torch.no_grad():
                if y is None:
                    yield module(chunk).float()
                else:
                    yield module(chunk, y[start : start + batch_size].to(device)).float()
    finally:
        module.train(was_training)


def batched_forward(module: nn.Module, x: Tensor, y: Tensor | None = None, batch_size: int = 512) -> Tensor:
    """Every output of :func:`forward_batches`, on the CPU, in one tensor."""
    return torch.cat([out.cpu() for out in forward_batches(module, x, y, batch_size)])


def generate(generator: nn.Module, x: Tensor, labels: Tensor | None = None, batch_size: int = 512) -> Tensor:
    """Samples of ``generator`` for inputs ``x`` (noise, or source samples) and optional labels."""
    return batched_forward(generator, x, labels, batch_size)


def process_share(n: int, rank: int, world: int) -> slice:
    """This process's contiguous share of ``n`` items split over ``world`` processes (the last may be
    short or empty), so that gathering the shares in rank order gives the items in order."""
    size = -(-n // world)  # ceil(n / world)
    return slice(min(n, rank * size), min(n, (rank + 1) * size))
