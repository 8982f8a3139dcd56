"""Measuring the generator while it trains: the variant's own measure and registered metrics.

Evaluations run every ``train.eval_every`` steps on every process, so that an evaluator may gather
across processes. They draw their inputs from private generators and run under
:func:`torch.random.fork_rng`, so a run with evaluations trains exactly as one without, and a
resumed run still matches the uninterrupted one bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from accelerate.utils import broadcast_object_list
from torch import Tensor

from gan_core._records import MetricSpec
from gan_core._registry import Registry
from gan_core._variant import EvalContext, Evaluator
from gan_core.data.subset import real_subset
from gan_core.errors import AmbiguousNameError, ConfigError, UnknownNameError

EVAL_PREFIX = "eval/"


def metric_specs(registry: Registry, names: Sequence[str]) -> list[MetricSpec]:
    """The registered metrics named in ``train.eval_metrics``; an unknown name is a config error."""
    specs = []
    for name in names:
        try:
            specs.append(registry.metric(name))
        except (UnknownNameError, AmbiguousNameError) as error:
            raise ConfigError("train.eval_metrics", str(error)) from None
    return specs


def measure_metrics(
    specs: Sequence[MetricSpec],
    real: Tensor,
    fake: Tensor,
    *,
    real_labels: Tensor | None = None,
    fake_labels: Tensor | None = None,
    num_classes: int | None = None,
    dataset: str | None = None,
    registry: Registry | None = None,
) -> dict[str, float]:
    """Every registered metric in ``specs`` on CPU samples ``real`` and ``fake``, merged into one mapping.

    This is the one place that calls :attr:`MetricSpec.compute`, with the options its docstring
    promises: the trainer's ``train.eval_metrics`` and ``gan eval`` both measure through it, so a
    metric behaves the same in either.
    """
    merged: dict[str, float] = {}
    for spec in specs:
        values = spec.compute(
            real,
            fake,
            real_labels=real_labels,
            fake_labels=fake_labels,
            num_classes=num_classes,
            dataset=dataset,
            registry=registry,
        )
        merged.update({key: float(value) for key, value in values.items()})
    return merged


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
            results[0] = measure_metrics(
                self.specs,
                real,
                fake,
                real_labels=real_labels,
                fake_labels=fake_labels,
                num_classes=ctx.data.info.num_classes,
                dataset=ctx.config.train.dataset,
                registry=ctx.registry,
            )
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
