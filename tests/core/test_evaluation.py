"""Evaluation during training: the variant's own measure, caller evaluators and registered metrics."""

from __future__ import annotations

import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import torch
from core_helpers import image_data

from gan_core import (
    ConfigError,
    EvalContext,
    FeatureExtractorSpec,
    GanTrainer,
    MetricSpec,
    Registry,
    RunDir,
    UnknownNameError,
    create_registry,
    generate,
    hookimpl,
    resolve_config,
    sample_latent,
)
from gan_core._rundir import read_jsonl as read_log

TINY = core_tiny.TINY


def _fit(out: Path, registry: Registry | None = None, evaluators: Any = (), variant: Any = TINY, **train: Any) -> Any:
    config = resolve_config(variant, flags=train)
    registry = registry or create_registry(plugins=[core_tiny], entry_points=False)
    return GanTrainer(variant, config, out, registry=registry, evaluators=evaluators).fit()


def _weights(run: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(RunDir.weights_file(RunDir(run).latest_checkpoint(), "generator")))  # type: ignore[arg-type]


def _noisy_evaluator(calls: list[int]) -> Any:
    def evaluate(ctx: EvalContext) -> Mapping[str, float]:
        calls.append(ctx.step)
        assert not ctx.generator.training
        torch.randn(1000)  # an evaluator that draws from the global RNG must not change training
        return {"calls": float(len(calls))}

    return evaluate


def test_evaluators_run_every_eval_every_steps_and_at_the_end(tmp_path: Path) -> None:
    calls: list[int] = []
    result = _fit(tmp_path / "run", evaluators=[_noisy_evaluator(calls)], steps=5, eval_every=2)
    assert calls == [2, 4, 5]
    evals = [r for r in read_log(tmp_path / "run" / "log.jsonl") if "eval/calls" in r]
    assert [(r["step"], r["eval/calls"]) for r in evals] == [(2, 1.0), (4, 2.0), (5, 3.0)]
    assert result.last_scalars["eval/calls"] == 3.0


def test_no_evaluation_unless_eval_every_is_set(tmp_path: Path) -> None:
    calls: list[int] = []
    _fit(tmp_path / "run", evaluators=[_noisy_evaluator(calls)], steps=3)
    assert calls == []


def test_evaluating_does_not_change_what_is_trained(tmp_path: Path) -> None:
    _fit(tmp_path / "plain", steps=6)
    _fit(tmp_path / "evaluated", evaluators=[_noisy_evaluator([])], steps=6, eval_every=1)
    a, b = _weights(tmp_path / "plain"), _weights(tmp_path / "evaluated")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_variants_own_measure_runs_first(tmp_path: Path) -> None:
    order: list[str] = []
    own = attrs.evolve(TINY, evaluate=lambda ctx: order.append("variant") or {"own": 1.0})
    _fit(tmp_path / "run", variant=own, evaluators=[lambda ctx: order.append("caller") or {}], steps=1, eval_every=1)
    assert order == ["variant", "caller"]


def test_eval_context_generates_the_same_samples_as_sampling(tmp_path: Path) -> None:
    seen: dict[str, torch.Tensor] = {}

    def capture(ctx: EvalContext) -> Mapping[str, float]:
        samples, labels = ctx.generate(10, seed=3)
        assert labels is None
        seen["samples"] = samples
        seen["expected"] = generate(ctx.generator, sample_latent(10, ctx.latent_dim, seed=3))
        return {}

    _fit(tmp_path / "run", evaluators=[capture], steps=1, eval_every=1)
    assert seen["samples"].shape == (10, 2)
    assert torch.equal(seen["samples"], seen["expected"])


class _GapMetric:
    """A registered metric: the gap between the real and the generated means, and what it was told."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}

    def __call__(self, real: torch.Tensor, fake: torch.Tensor, **options: Any) -> Mapping[str, float]:
        self.options = options
        self.shapes = (tuple(real.shape), tuple(fake.shape))
        return {"mean_gap": float((real.mean(0) - fake.mean(0)).norm())}


def _registry_with(metric: _GapMetric) -> Registry:
    plugin = types.SimpleNamespace(
        __name__="gap-metric",
        gan_register_metrics=hookimpl(lambda register: register(MetricSpec("gap", metric))),
    )
    return create_registry(plugins=[core_tiny, plugin], entry_points=False, strict=True)


def test_registered_metrics_named_in_eval_metrics_are_logged(tmp_path: Path) -> None:
    metric = _GapMetric()
    registry = _registry_with(metric)
    data = image_data(n=48, num_classes=4)
    config = resolve_config(TINY, flags={"steps": 2, "eval_every": 2, "eval_metrics": "gap", "eval_samples": 20})
    GanTrainer(TINY, config, tmp_path / "run", registry=registry, data=data).fit()
    records = [r for r in read_log(tmp_path / "run" / "log.jsonl") if "eval/mean_gap" in r]
    assert len(records) == 1 and records[0]["step"] == 2
    assert metric.shapes == ((20, 1, 8, 8), (20, 1, 8, 8))
    assert metric.options["num_classes"] == 4 and metric.options["fake_labels"] is None
    assert metric.options["real_labels"].shape == (20,)
    assert metric.options["dataset"] == config.train.dataset


def test_an_unknown_metric_fails_before_the_run_directory_is_written(tmp_path: Path) -> None:
    registry = _registry_with(_GapMetric())
    with pytest.raises(ConfigError) as info:
        _fit(tmp_path / "run", registry=registry, steps=1, eval_every=1, eval_metrics="gap,fid")
    assert info.value.field == "train.eval_metrics"
    assert "unknown metric 'fid'; available: gap" in str(info.value)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("value", ["fid,,pr", ",", "fid, "])
def test_eval_metrics_must_be_names_separated_by_commas(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config(TINY, overrides=[f"eval_metrics={value}"])
    assert info.value.field == "train.eval_metrics"


def test_eval_metric_names_are_split_and_stripped() -> None:
    assert resolve_config(TINY, overrides=["eval_metrics=fid, pr"]).train.eval_metric_names == ("fid", "pr")


def test_feature_extractors_register_through_the_hook() -> None:
    spec = FeatureExtractorSpec("pixels", load=lambda **options: torch.nn.Flatten(), description="raw pixels")
    plugin = types.SimpleNamespace(
        __name__="pixels-plugin", gan_register_feature_extractors=hookimpl(lambda register: register(spec))
    )
    registry = create_registry(plugins=[plugin], entry_points=False, strict=True)
    assert registry.feature_extractor("pixels") is spec
    assert registry.plugins[-1].provides == {"feature extractor": ("pixels",)}
    with pytest.raises(UnknownNameError, match="unknown feature extractor 'inception'; available: pixels"):
        registry.feature_extractor("inception")
