"""Measuring the generator while it trains: the variant's own measure and registered metrics.

Evaluations run every ``train.eval_every`` steps on every process, so that an evaluator may gather
across processes. They draw their noise from private generators and run under
:func:`torch.random.fork_rng`, so a run with evaluations trains exactly as one without, and a
resumed run still matches the uninterrupted one bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
import torch
from accelerate import Accelerator
from accelerate.utils import broadcast_object_list
from torch import Tensor, nn

from gan_core.config import RunConfig
from gan_core.data.registry import LoadedData
from gan_core.errors import ConfigError, UnknownNameError
from gan_core.registry import Registry
from gan_core.sampling import generate, grid_labels, sample_latent
from gan_core.variant import Evaluator, MetricSpec

EVAL_PREFIX = "eval/"


@attrs.frozen
class EvalContext:
    """What an evaluator may use. ``generator`` is the bare module (never the DDP wrapper), in eval
    mode for the duration of the call; ``conditional`` says whether it takes labels."""

    step: int
    generator: nn.Module
    accelerator: Accelerator
    data: LoadedData
    config: RunConfig
    out_dir: Path
    registry: Registry | None = None
    latent_dim: int = 0
    conditional: bool = False

    def generate(self, n: int, *, seed: int, labels: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``n`` samples (on the CPU) and their labels, the same whatever the number of processes.

        The noise for all ``n`` is drawn from ``seed`` on every process; each process generates its
        contiguous share and the shares are gathered, so each sample is generated exactly once.
        Conditional generators get ``labels``, or the classes in turn when none are given.
        """
        if self.latent_dim <= 0:
            raise TypeError("EvalContext.generate: this variant's generator does not map noise to samples")
        if labels is None and self.conditional:
            labels = grid_labels(n, self.data.info.num_classes)
        world, rank = self.accelerator.num_processes, self.accelerator.process_index
        share = math.ceil(n / world)
        z = sample_latent(share * world, self.latent_dim, seed=seed)
        padded = None
        if labels is not None:
            padded = torch.cat([labels.cpu(), labels.cpu()[: share * world - n]]) if share * world > n else labels.cpu()
        lo, hi = rank * share, (rank + 1) * share
        mine = generate(
            self.generator,
            z[lo:hi].to(self.accelerator.device),
            padded[lo:hi] if padded is not None else None,
        )
        if world > 1:
            mine = self.accelerator.gather(mine.to(self.accelerator.device)).cpu()
        return mine[:n], (labels.cpu()[:n] if labels is not None else None)


def real_subset(data: LoadedData, n: int, seed: int) -> tuple[Tensor, Tensor | None]:
    """``n`` real samples (all of them if the set is smaller), chosen once from ``seed``."""
    dataset = data.dataset
    size = len(dataset)  # type: ignore[arg-type]
    index = torch.randperm(size, generator=torch.Generator().manual_seed(seed))[: min(n, size)].sort().values
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is not None:
        x, y = get_batch(index)
    else:
        items = [dataset[int(i)] for i in index]
        pairs = [item if isinstance(item, tuple | list) else (item, None) for item in items]
        x = torch.stack([pair[0] for pair in pairs])
        labels = [pair[1] for pair in pairs]
        y = None if any(label is None for label in labels) else torch.as_tensor(labels)
    return x.float().cpu(), (y.cpu() if y is not None else None)


def metric_specs(registry: Registry, names: Sequence[str]) -> list[MetricSpec]:
    """The registered metrics named in ``train.eval_metrics``; an unknown name is a config error."""
    specs = []
    for name in names:
        try:
            specs.append(registry.metric(name))
        except UnknownNameError as error:
            raise ConfigError("train.eval_metrics", str(error)) from None
    return specs


class MetricEvaluator:
    """Registered metrics on ``n`` generated samples against a fixed subset of ``n`` real ones.

    The metrics are computed on the main process (feature extractors are the costly part, and
    every process would compute the same numbers) and the results are sent to the others.
    """

    def __init__(self, specs: Sequence[MetricSpec], n: int, seed: int) -> None:
        self.specs = list(specs)
        self.n = n
        self.seed = seed
        self._real: tuple[Tensor, Tensor | None] | None = None

    def __call__(self, ctx: EvalContext) -> Mapping[str, float]:
        fake, fake_labels = ctx.generate(self.n, seed=self.seed)
        results: list[dict[str, float] | None] = [None]
        if ctx.accelerator.is_main_process:
            if self._real is None:
                self._real = real_subset(ctx.data, self.n, self.seed)
            real, real_labels = self._real
            merged: dict[str, float] = {}
            for spec in self.specs:
                values = spec.compute(
                    real,
                    fake,
                    real_labels=real_labels,
                    fake_labels=fake_labels,
                    num_classes=ctx.data.info.num_classes,
                    dataset=ctx.config.train.dataset,
                )
                merged.update({key: float(value) for key, value in values.items()})
            results[0] = merged
        if ctx.accelerator.num_processes > 1:
            broadcast_object_list(results)
        assert results[0] is not None
        return results[0]


def run_evaluators(evaluators: Sequence[Evaluator], ctx: EvalContext) -> dict[str, float]:
    """Every evaluator, with the generator in eval mode and the global RNG state put back after."""
    devices = [ctx.accelerator.device] if ctx.accelerator.device.type == "cuda" else []
    was_training = ctx.generator.training
    ctx.generator.eval()
    results: dict[str, float] = {}
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            for evaluator in evaluators:
                results.update({f"{EVAL_PREFIX}{k}": float(v) for k, v in evaluator(ctx).items()})
    finally:
        ctx.generator.train(was_training)
    return results
