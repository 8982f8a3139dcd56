"""The Stacked MNIST benchmark end to end on a few steps: calibration, training, the modes metric and
the report. The numbers are meaningless at this length; the plumbing is what is tested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip("gan_plugin_dcgan")
pytest.importorskip("gan_plugin_metrics")


def test_a_calibrated_run_writes_json_and_table_and_append_skips_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark("stacked_mnist", monkeypatch)
    monkeypatch.setattr(bench, "CALIBRATION_STEPS", 40)  # timed from step 20 to 40
    out = tmp_path / "sm"
    argv = ["--configs", "dcgan", "--seeds", "1", "--budget-min", "0.02", "--samples", "200", "--out", str(out)]
    assert bench.main(argv) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    (run,) = report["runs"]
    per_step = report["seconds_per_step"]["dcgan"]
    assert report["budget_min"] == 0.02
    assert per_step > 0 and run["steps"] == max(40, int(0.02 * 60 / per_step)) == report["steps"]["dcgan"]
    assert run["config"] == "dcgan" and run["seed"] == 1 and 1 <= run["modes"] <= 1000 and run["kl"] >= 0
    assert run["loop_s"] > 0 and run["eval_s"] > 0
    assert run["kl_parts"] + run["kl_dependence"] == pytest.approx(run["kl"])  # the modes metric's split
    assert "| dcgan |" in out.with_suffix(".md").read_text()
    assert run["resolved"]["train.batch_size"] == 128 and run["resolved"]["model.loss"] == "non-saturating"
    assert "train.seed" not in run["resolved"] and "train.steps" not in run["resolved"]  # runs differ in them

    assert bench.main([*argv, "--append"]) == 0  # nothing left to run: the same report
    assert json.loads(out.with_suffix(".json").read_text())["runs"] == [run]


def test_the_summary_is_mean_and_std_over_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("stacked_mnist", monkeypatch)
    runs = [
        bench.RunResult("r3gan", seed, 10, modes, kl, 60.0, 60.0, 1.0)
        for seed, modes, kl in [(0, 998, 0.02), (1, 1000, 0.04)]
    ]
    (row,) = bench.summarise(runs)
    assert row["modes_mean"] == pytest.approx(999.0) and row["modes_min"] == 998
    assert row["kl_mean"] == pytest.approx(0.03) and row["kl_max"] == pytest.approx(0.04)
    assert row["loop_min_mean"] == pytest.approx(1.0)
    assert row["kl_parts_mean"] is None  # runs from before the KL split: no mean of a part of the seeds
    (row,) = bench.summarise([bench.RunResult("r3gan", 0, 10, 998, 0.3, 1.0, 1.0, 1.0, [], 0.2, 0.1)])
    assert row["kl_parts_mean"] == pytest.approx(0.2) and "| 0.200 + 0.100 |" in bench.markdown([row])


def test_every_config_resolves_to_a_run_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped setting in ``CONFIGS`` fails here, not half an hour into a sweep."""
    pytest.importorskip("gan_plugin_r3gan")
    from gan_core import create_registry, resolve_config

    bench = load_benchmark("stacked_mnist", monkeypatch)
    registry = create_registry()
    for config in bench.CONFIGS.values():
        flags, overrides = bench._settings(config, 0, 10)
        resolved = resolve_config(registry.variant(config.variant), flags=flags, overrides=overrides)
        assert resolved.train.dataset == "stacked-mnist" and resolved.train.steps == 10, config.name


def test_a_run_with_given_steps_records_no_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--steps skips the calibration, so the report must not claim the default budget chose the steps."""
    bench = load_benchmark("stacked_mnist", monkeypatch)
    out = tmp_path / "sm-gamma0.1"  # a dot in the name: the report is sm-gamma0.1.json, not sm-gamma0.json
    argv = ["--configs", "dcgan", "--seeds", "0", "--steps", "20", "--samples", "100", "--out", str(out)]
    assert bench.main(argv) == 0
    assert sorted(p.name for p in tmp_path.glob("*.*")) == ["sm-gamma0.1.json", "sm-gamma0.1.md"]
    report = json.loads((tmp_path / "sm-gamma0.1.json").read_text())
    assert report["budget_min"] is None and report["seconds_per_step"] == {} and report["steps"] == {"dcgan": 20}


def test_r3gans_defaults_are_the_measured_recipe_and_older_rows_pin_their_networks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The three-seed row behind r3gan's defaults (``r3gan-gamma0.1-mbstd-linear-stem``) is the
    defaults exactly, and ``r3gan-batch32`` is still the defaults of 2026-12-04 to 12-06, so that each
    row in docs/results.md reproduces with the command beside it."""
    pytest.importorskip("gan_plugin_r3gan")
    from gan_core import create_registry, resolve_config

    bench = load_benchmark("stacked_mnist", monkeypatch)
    r3gan = create_registry().variant("r3gan")

    def resolved(name: str) -> object:
        return resolve_config(r3gan, flags={"dataset": "stacked-mnist"}, overrides=bench.CONFIGS[name].settings)

    assert resolved("r3gan-gamma0.1-mbstd-linear-stem") == resolved("r3gan")
    before = resolved("r3gan-batch32")
    assert (before.model.stem, before.model.mbstd_group, before.train.r1, before.train.r2) == ("basis", 0, 0.01, 0.01)
    assert before.train.batch_size == 32


#: the configs that run r3gan's defaults of the day, not a recipe measured before 2026-12-06
_OF_THE_DAY = {"r3gan", "r3gan-gamma-decay"}


def test_every_config_measured_before_the_default_change_pins_what_it_ran(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolved against r3gan as it was until 2026-12-06 (basis stem, no minibatch deviation, R1 = R2
    = 0.01) and as it is, each measured config gives the same run: it names every changed default."""
    pytest.importorskip("gan_plugin_r3gan")
    import attrs

    from gan_core import create_registry, non_negative, one_of, resolve_config
    from gan_plugin_r3gan import R3GANConfig

    @attrs.frozen(kw_only=True)
    class ConfigUntil1206(R3GANConfig):
        stem: str = attrs.field(default="basis", validator=one_of("basis", "linear"))
        mbstd_group: int = attrs.field(default=0, validator=non_negative)

    now = create_registry().variant("r3gan")
    until_1206 = attrs.evolve(
        now, config_cls=ConfigUntil1206, train_defaults={**now.train_defaults, "r1": 0.01, "r2": 0.01}
    )
    bench = load_benchmark("stacked_mnist", monkeypatch)
    measured = [c for c in bench.CONFIGS.values() if c.variant == "r3gan" and c.name not in _OF_THE_DAY]
    assert len(measured) >= 20
    for config in measured:
        flags, overrides = bench._settings(config, 0, 10)
        runs = [resolve_config(v, flags=flags, overrides=overrides) for v in (now, until_1206)]
        assert attrs.asdict(runs[0].model) == attrs.asdict(runs[1].model), config.name
        assert runs[0].train == runs[1].train, config.name


def _report_with_one_run(out: Path, resolved: dict[str, object] | None) -> None:
    run = {"config": "dcgan", "seed": 0, "steps": 10, "modes": 900, "kl": 0.5, "train_s": 1.0, "loop_s": 1.0}
    run |= {"eval_s": 1.0, "resolved": resolved}
    report = {"runs": [run], "steps": {"dcgan": 10}, "seconds_per_step": {}}
    out.with_suffix(".json").write_text(json.dumps(report))


def test_append_refuses_a_config_whose_settings_changed_since_its_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed default would otherwise put runs of two recipes under one name (as r3gan's did on 2026-12-06)."""
    bench = load_benchmark("stacked_mnist", monkeypatch)
    now = bench._resolved(bench.CONFIGS["dcgan"])
    out = tmp_path / "sm"
    argv = ["--configs", "dcgan", "--seeds", "0", "--steps", "10", "--append", "--out", str(out)]

    _report_with_one_run(out, {**now, "model.lr": 1e-3})
    with pytest.raises(SystemExit) as refused:
        bench.main(argv)
    assert refused.value.code == 2
    message = capsys.readouterr().err.strip()
    assert "model.lr=0.001" in message and "model.lr=0.0002" in message and "'dcgan'" in message
    assert len(message.splitlines()) == 1

    # the same settings, a run from before the record, and a setting added since the run: seed 0 is
    # done, so each appends nothing and keeps the report
    for resolved in (now, None, {k: v for k, v in now.items() if k != "train.penalty_final"}):
        _report_with_one_run(out, resolved)
        assert bench.main(argv) == 0
        assert json.loads(out.with_suffix(".json").read_text())["runs"][0]["resolved"] == resolved
