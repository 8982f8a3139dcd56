"""Probes: what the players are doing, measured on the step the trainer logs, from tensors the step
computes anyway.

A GAN's losses do not say why training fails. These numbers do (docs/theory/failure-modes.md): the
discriminator's mean output on real and on generated samples (a probability for losses whose scores
are logits, the raw score for critics), the norm of the gradient that reaches the generator's output
(per sample: what the generator learns from) and the norms of both players' parameter gradients, and
the spread of the generated batch against the spread of the real one (a diversity ratio: near 1 when
the generator covers the data, near 0 when it collapses), and, where the data set knows its modes
(``LoadedData.modes``: the toy mixtures), the share of modes the generated batch reaches and the KL
divergence of its mode histogram from the uniform one. The diversity ratio misses a generator that
keeps a few modes far apart (a grid's four corners spread as far as the grid); the histogram does not.

Nothing here draws a random number or changes a value that training uses: a probed run's weights are
bit-identical to an unprobed one's. The standard pieces of :class:`~gan_core.StepContext`
(``update_discriminator``, ``update_generator``; ``step_discriminator`` records the batches and the
gradient norm, not the scores, which it does not see) record into a :class:`Probes` when the trainer hands
one over, which it does on the step before each log line only; a custom step that builds on those
pieces is probed too, one that does not simply logs fewer probes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["PROBE_PREFIX", "Probes", "diversity_ratio", "mode_histogram"]

PROBE_PREFIX = "probe/"
_EMBED_SIDE = 8  # images are pooled to 8x8 per channel before the fixed projection
_EMBED_DIM = 64
_EMBED_SEED = 0


def _grad_norm(params: Iterable[nn.Parameter]) -> Tensor | None:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return None
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


_PROJECTIONS: dict[tuple[int, torch.device], Tensor] = {}


def _embed(x: Tensor) -> Tensor:
    """A cheap fixed embedding: points as they are; images average-pooled to 8x8 per channel and
    projected to 64 dimensions by a fixed Gaussian matrix (its own seeded generator: the global
    random state is not touched), which keeps pairwise distances up to a small distortion."""
    x = x.detach().float()
    if x.dim() <= 2:
        return x.reshape(x.shape[0], -1)
    pooled = F.adaptive_avg_pool2d(x, _EMBED_SIDE).flatten(1) if x.dim() == 4 else x.flatten(1)
    key = (pooled.shape[1], pooled.device)
    if key not in _PROJECTIONS:
        generator = torch.Generator().manual_seed(_EMBED_SEED)
        matrix = torch.randn(pooled.shape[1], _EMBED_DIM, generator=generator) / _EMBED_DIM**0.5
        _PROJECTIONS[key] = matrix.to(pooled.device)
    return pooled @ _PROJECTIONS[key]


def _mean_pairwise_distance(features: Tensor) -> Tensor:
    n = features.shape[0]
    distances = torch.cdist(features, features)
    return distances.sum() / max(n * (n - 1), 1)


def diversity_ratio(real: Tensor, fake: Tensor) -> Tensor | None:
    """Mean pairwise distance of the generated batch over that of the real batch, in the embedding;
    ``None`` where the real batch has no spread to compare with (data that is one point)."""
    real_spread = _mean_pairwise_distance(_embed(real))
    if float(real_spread) < 1e-8:
        return None
    return _mean_pairwise_distance(_embed(fake)) / real_spread


def mode_histogram(assigned: Tensor, num_modes: int) -> dict[str, Tensor]:
    """``modes``: the share of the ``num_modes`` modes that at least one sample reaches;
    ``modes_expected``: the share that a batch of the same size drawn equally from every mode reaches
    on average, ``1 - (1 - 1/K)^n`` (a small batch cannot reach every mode of a large mixture);
    ``mode_kl``: KL(histogram || uniform) in nats, 0 for a uniform histogram, log(num_modes) for one
    mode."""
    assigned = assigned.reshape(-1).long()
    counts = torch.bincount(assigned, minlength=num_modes)[:num_modes].float()
    share = counts / counts.sum().clamp_min(1)
    kl = torch.where(share > 0, share * torch.log(share * num_modes), torch.zeros_like(share)).sum()
    expected = 1.0 - (1.0 - 1.0 / num_modes) ** assigned.numel()
    return {"modes": (counts > 0).float().mean(), "modes_expected": torch.tensor(expected), "mode_kl": kl}


class Probes:
    """What one probed step records, by name (without :data:`PROBE_PREFIX`); :meth:`take` returns the
    values as detached scalar tensors, ready to log. ``modes`` and ``num_modes``: the data set's mode
    assignment and its number of modes, where it has one."""

    def __init__(
        self, probabilities: bool, modes: Callable[[Tensor], Tensor] | None = None, num_modes: int | None = None
    ) -> None:
        self.probabilities = probabilities
        self.modes = modes if num_modes else None
        self.num_modes = num_modes or 0
        self.values: dict[str, Tensor] = {}
        self._real: Tensor | None = None
        self._fake: Tensor | None = None

    def scores(self, real_scores: Tensor, fake_scores: Tensor) -> None:
        """The discriminator's mean output on the real and the generated batch of its update."""
        for name, scores in (("d_real", real_scores), ("d_fake", fake_scores)):
            scores = scores.detach().float()
            self.values[name] = (torch.sigmoid(scores) if self.probabilities else scores).mean()

    def batches(self, real: Tensor, fake: Tensor) -> None:
        self._real, self._fake = real.detach(), fake.detach()

    def gradients(self, name: str, params: Iterable[nn.Parameter]) -> None:
        """The norm of the parameter gradients, after the backward pass and before the optimizer step."""
        norm = _grad_norm(params)
        if norm is not None:
            self.values[name] = norm

    def watch_output(self, fake: Tensor) -> None:
        """Record the mean per-sample norm of the gradient that the generator's objective sends into
        ``fake`` (a tensor hook: the backward pass is the step's own)."""
        if not fake.requires_grad:
            return

        def record(grad: Tensor) -> None:
            per_sample = torch.linalg.vector_norm(grad.detach().float().flatten(1), dim=1)
            # the objective is a mean over the batch: scaled back to one sample's own gradient
            self.values["g_out_grad"] = per_sample.mean() * grad.shape[0]

        fake.register_hook(record)

    def take(self) -> dict[str, Tensor]:
        if self._real is not None and self._fake is not None and self._real.shape[0] > 1:
            ratio = diversity_ratio(self._real, self._fake)
            if ratio is not None:
                self.values["diversity"] = ratio
        if self._fake is not None and self.modes is not None:
            self.values.update(mode_histogram(self.modes(self._fake), self.num_modes))
        values, self.values = self.values, {}
        self._real = self._fake = None
        return {PROBE_PREFIX + name: value.detach() for name, value in values.items()}
