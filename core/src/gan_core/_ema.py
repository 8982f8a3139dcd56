"""An exponential moving average of the generator's weights, and batch-norm statistics that belong to it.

Averaging a GAN generator's weights over the last steps gives samples of higher quality than the weights
of any single step (Karras et al. 2018; Yazici et al. 2019). A generator with batch norm needs more than
averaged weights: its running statistics were measured on the live generator's activations, not on the
average's. Averaging or copying them gives statistics that belong to no network, so they are
recomputed instead: the average runs in training mode over fixed inputs, with the running statistics
reset and accumulated as a plain mean (``momentum = None``), before every use (grids, evaluation,
checkpoints). Batch norms that stay in eval mode while their network trains (DTN's fixed ``f``) keep
their statistics. Other buffers follow the live generator.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from gan_core._inputs import InputSampler
from gan_core._records import LoadedData

#: the seeds of the inputs that batch-norm statistics are recomputed on (any fixed value will do)
REFRESH_SEED = 7_2018
#: samples over which they are recomputed
REFRESH_SAMPLES = 512


def ema_decay(ema: float, batch_size: int) -> float:
    """``train.ema`` as a decay per step: a value below 1 is one; a value of 1 or more is a half-life in
    images, ``0.5 ** (batch_size / half_life)`` (StyleGAN2's convention, 10,000 images there)."""
    return ema if ema < 1 else 0.5 ** (batch_size / ema)


class GeneratorAverage:
    """``model`` follows the live generator as ``model <- decay * model + (1 - decay) * live`` after every
    step, with the decay ramped up as ``min(decay, (1 + t) / (10 + t))`` so that the random initial
    weights fade within the first steps of a short run (TensorFlow's ``ExponentialMovingAverage``)."""

    def __init__(self, generator: nn.Module, decay: float) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"the average's decay must be in (0, 1), got {decay}")
        self.model = copy.deepcopy(generator).requires_grad_(False)
        self.decay = decay
        self.updates = 0

    def current_decay(self) -> float:
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        self.updates += 1
        weight = 1.0 - self.current_decay()
        for average, live in zip(self.model.parameters(), generator.parameters(), strict=True):
            average.lerp_(live.detach(), weight)
        statistics = _batch_norm_buffers(self.model)
        for (name, average), (_, live) in zip(self.model.named_buffers(), generator.named_buffers(), strict=True):
            if name not in statistics:
                average.copy_(live)

    @torch.no_grad()
    def refresh_batch_norm(self, inputs: InputSampler, data: LoadedData | None, batch_size: int) -> None:
        """Recompute the running statistics of the batch norms that train with the average, from its own
        activations on fixed inputs; the global RNG is left as it was."""
        was_training = self.model.training
        self.model.train()
        norms = [m for m in self.model.modules() if isinstance(m, _BatchNorm) and m.training and m.track_running_stats]
        if norms:
            device = next(self.model.parameters()).device
            momenta = [norm.momentum for norm in norms]
            for norm in norms:
                norm.reset_running_stats()
                norm.momentum = None  # a cumulative mean over the batches below
            devices = [device] if device.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):
                for index in range(max(1, -(-REFRESH_SAMPLES // batch_size))):
                    drawn = inputs.fixed(batch_size, REFRESH_SEED + index, data)
                    self.model(drawn.x.to(device), drawn.y.to(device) if drawn.y is not None else None)
            for norm, momentum in zip(norms, momenta, strict=True):
                norm.momentum = momentum
        self.model.train(was_training)


def _batch_norm_buffers(module: nn.Module) -> set[str]:
    """The qualified names of every batch norm's running statistics in ``module``."""
    names = set()
    for prefix, child in module.named_modules():
        if isinstance(child, _BatchNorm):
            for buffer in ("running_mean", "running_var", "num_batches_tracked"):
                names.add(f"{prefix}.{buffer}" if prefix else buffer)
    return names
