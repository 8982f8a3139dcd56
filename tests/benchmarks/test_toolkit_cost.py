"""The per-option cost benchmark on a few steps: every round times the base run and each option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip("gan_plugin_dcgan")


def test_two_options_over_two_rounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toolkit_cost", monkeypatch)
    out = tmp_path / "cost"
    argv = ["--options", "r1", "ema", "--rounds", "2", "--steps", "40", "--out", str(out)]
    assert bench.main(argv) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    assert list(record["seconds_per_step"]) == ["base", "r1", "ema"]  # the base first, in every round
    assert all(len(values) == 2 and min(values) > 0 for values in record["seconds_per_step"].values())
    assert record["summary"]["base"]["ratio"] == {"median": 1.0, "min": 1.0, "max": 1.0}
    table = out.with_suffix(".md").read_text()
    assert "| r1 | `train.r1=1` `train.reg_every=1` |" in table


def test_a_ratio_divides_by_its_own_rounds_base(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toolkit_cost", monkeypatch)
    rows = bench.report({"base": [1.0, 2.0, 4.0], "r1": [3.0, 4.0, 8.0]})
    assert rows["r1"]["ratio"] == {"median": 2.0, "min": 2.0, "max": 3.0}
    assert rows["r1"]["seconds_per_step"]["median"] == 4.0


@pytest.mark.parametrize("variant", ["dcgan", "r3gan"])
def test_every_option_resolves_to_a_run_config(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped or mutually refused setting in ``OPTIONS`` fails here, not in the middle of a timing run."""
    pytest.importorskip(f"gan_plugin_{variant}")
    from gan_core import create_registry, resolve_config

    bench = load_benchmark("toolkit_cost", monkeypatch)
    chosen = create_registry().variant(variant)
    for option, settings in bench.OPTIONS.items():
        resolved = resolve_config(chosen, flags={"dataset": "mnist-5k"}, overrides=list(settings))
        assert resolved.train.dataset == "mnist-5k", option
    decaying = resolve_config(chosen, flags={}, overrides=list(bench.OPTIONS["penalty-decay"]))
    assert decaying.train.penalty_final == 0.1 and decaying.train.reg_every == 4
