"""``gan eval`` beyond the extractor metrics: point runs (ring8, grid25) with the point metrics, and any
registered metric, a third-party plugin's included, measured through its MetricSpec as
``train.eval_metrics`` measures it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import torch
from _tiny_runs import TINY_POINTS, train_points, train_tiny

import gan_plugin_metrics.plugin
from gan_core import GanTrainer, MetricSpec, Registry, create_registry, generate, hookimpl, load_generator
from gan_core.cli import main
from gan_core.data import ring8
from gan_core.testing import tiny_run_config
from gan_plugin_metrics import evaluate_run
from gan_plugin_metrics.functional.points import sliced_wasserstein


class _SpreadMetric:
    """A third party's metric: the generated samples' spread over the real ones', and what it was told."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, real: torch.Tensor, fake: torch.Tensor, **options: Any) -> Mapping[str, float]:
        self.calls.append({"shapes": (tuple(real.shape), tuple(fake.shape)), **options})
        return {"spread_ratio": float(fake.flatten(1).std(0).mean() / real.flatten(1).std(0).mean())}


SPREAD = _SpreadMetric()


class AcmePlugin:
    """A test plugin registering its metric through the hook; it also registers its own ``swd``."""

    @hookimpl
    def gan_register_metrics(self, register: Callable[[MetricSpec], None]) -> None:
        register(MetricSpec("spread", SPREAD, "generated spread / real spread"))
        register(MetricSpec("swd", lambda real, fake, **_: {"acme_swd": 0.0}, "acme's own swd"))


@pytest.fixture(scope="module")
def acme_registry() -> Registry:
    tiny = sys.modules["_tiny_runs"]
    plugins = {"metrics": gan_plugin_metrics.plugin, "tiny": tiny, "acme": AcmePlugin()}
    return create_registry(plugins=plugins, entry_points=False, strict=True)


@pytest.fixture(scope="module")
def ring_run(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_points(tmp_path_factory.mktemp("points") / "ring8", registry)


@pytest.fixture
def gan(registry: Registry, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("gan_core.cli.create_registry", lambda: registry)
    return main


def _table(out: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}


def test_eval_of_a_ring8_run_prints_modes_and_the_high_quality_share(
    gan, ring_run: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert gan(["eval", str(ring_run), "--n", "2500"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "tiny-points on ring8, step_00000002: 2500 generated vs 2500 real samples, seed 0"
    table = _table(out)
    assert list(table) == ["modes", "high_quality", "swd"]
    assert "metrics.json" in err and "real statistics" not in err
    # the numbers are benchmarks/toy_modes.py's scoring of the same 2,500 samples (noise seed 0)
    run = load_generator(ring_run, registry)
    drawn = run.inputs.fixed(2500, 0)
    samples = generate(run.generator, drawn.x, drawn.y)
    coverage = ring8().coverage(samples)
    assert int(table["modes"]) == coverage.modes_captured
    assert float(table["high_quality"]) == pytest.approx(coverage.high_quality_fraction, rel=1e-5)
    saved = json.loads((ring_run / "metrics.json").read_text())
    assert saved["metrics"]["modes"] == coverage.modes_captured
    assert saved["registered_metrics"] == {
        "point-modes": "gan_plugin_metrics.plugin:point-modes",
        "swd": "gan_plugin_metrics.plugin:swd",
    }
    assert saved["n"] == saved["n_real"] == 2500 and "features" not in saved


def test_the_point_metrics_agree_between_gan_eval_and_the_python_api(ring_run: Path, registry: Registry) -> None:
    api = evaluate_run(ring_run, metrics="swd", n=300, seed=4, registry=registry, write=False)
    run = load_generator(ring_run, registry)
    data = run.variant.load_training_data(run.config, registry)
    from gan_core.data import real_subset

    real, _ = real_subset(data, 300, 0)
    drawn = run.inputs.fixed(300, 4)
    assert api.metrics == {"swd": pytest.approx(sliced_wasserstein(real, generate(run.generator, drawn.x)))}


def test_a_grid25_run_and_the_point_metrics_during_training(registry: Registry, tmp_path: Path) -> None:
    overrides = {"train.eval_every": 2, "train.eval_metrics": "point-modes,swd", "train.eval_samples": 100}
    run = train_points(tmp_path / "grid", registry, dataset="grid25", **overrides)
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    evaluations = [r for r in logged if "eval/modes" in r]
    assert len(evaluations) == 1
    assert set(evaluations[0]) >= {"eval/modes", "eval/high_quality", "eval/swd"}
    assert 0 <= evaluations[0]["eval/modes"] <= 25 and evaluations[0]["eval/swd"] > 0


def test_image_metrics_on_a_point_run_are_one_line(gan, ring_run: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert gan(["eval", str(ring_run), "--metrics", "swd,fid"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "'fid' measures images" in err and "point metrics: 'point-modes' or 'swd'" in err


def test_an_unknown_metric_lists_every_registered_one(
    acme_registry: Registry, ring_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(ring_run), "--metrics", "sharpness"], registry=acme_registry) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("gan eval: error: --metrics: unknown metric 'sharpness'")
    for name in ("'fid'", "'point-modes'", "'spread'", "'acme:swd'", "'metrics:swd'"):
        assert name in err


def test_a_third_party_metric_works_in_gan_eval(
    acme_registry: Registry, ring_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SPREAD.calls.clear()
    assert main(["eval", str(ring_run), "--metrics", "spread,point-modes", "--n", "64"], registry=acme_registry) == 0
    table = _table(capsys.readouterr().out)
    assert list(table) == ["spread_ratio", "modes", "high_quality"]
    (call,) = SPREAD.calls
    assert call["shapes"] == ((64, 2), (64, 2))
    # the options train.eval_metrics passes, no more and no fewer
    assert set(call) - {"shapes"} == {"real_labels", "fake_labels", "num_classes", "dataset", "registry"}
    assert call["dataset"] == "ring8" and call["num_classes"] == 8 and call["registry"] is acme_registry
    assert call["real_labels"].shape == (64,) and call["fake_labels"] is None
    saved = json.loads((ring_run / "metrics.json").read_text())
    assert saved["registered_metrics"]["spread"] == "acme:spread"

    # the same metric during training is told the same things
    SPREAD.calls.clear()
    settings = {"train.eval_every": 2, "train.eval_metrics": "acme:spread", "train.eval_samples": 64}
    config = tiny_run_config(TINY_POINTS, **{"train.dataset": "ring8", **settings})
    GanTrainer(TINY_POINTS, config, tmp_path / "trained", registry=acme_registry).fit()
    (trained,) = SPREAD.calls
    assert {k: v for k, v in trained.items() if not isinstance(v, torch.Tensor)} == {
        k: v for k, v in call.items() if not isinstance(v, torch.Tensor)
    }


def test_a_third_party_metric_on_an_image_run_beside_an_extractor_metric(
    acme_registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = train_tiny(tmp_path / "tiny", acme_registry)
    SPREAD.calls.clear()
    argv = ["eval", str(run), "--metrics", "fid,acme:spread", "--features", "digits", "--n", "40", "--no-cache"]
    assert main(argv, registry=acme_registry) == 0
    out = capsys.readouterr().out
    assert "features digits" in out.splitlines()[0]
    assert list(_table(out)) == ["fid", "spread_ratio"]
    assert SPREAD.calls[0]["shapes"] == ((40, 1, 28, 28), (40, 1, 28, 28))
    assert SPREAD.calls[0]["dataset"] == "mnist-5k"


def test_a_name_two_plugins_registered_must_be_qualified(
    acme_registry: Registry, ring_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(ring_run), "--metrics", "swd"], registry=acme_registry) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ambiguous metric 'swd'" in err and "acme:swd, metrics:swd" in err
    assert main(["eval", str(ring_run), "--metrics", "metrics:swd,acme:swd", "--n", "50"], registry=acme_registry) == 0
    assert list(_table(capsys.readouterr().out)) == ["swd", "acme_swd"]
    # the defaults of a point run are this plugin's point metrics, whoever else registered a "swd"
    assert main(["eval", str(ring_run), "--n", "50"], registry=acme_registry) == 0
    assert list(_table(capsys.readouterr().out)) == ["modes", "high_quality", "swd"]
