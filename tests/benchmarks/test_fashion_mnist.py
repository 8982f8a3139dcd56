"""The Fashion-MNIST benchmark end to end on a few steps: calibration, training, FID/precision/recall,
the sample grid and the report. The data set and the extractor are swapped for mnist-5k and the shipped
digits network, which the test machine always has; the plumbing is what is tested."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip("gan_plugin_dcgan")
pytest.importorskip("gan_plugin_metrics")


def test_a_calibrated_run_writes_json_table_and_grid_and_append_skips_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark("fashion_mnist", monkeypatch)
    # the spawned processes re-import the module, so the swap must reach them through the module file's
    # constants: run everything in this process instead (the budget driver in _common starts them)
    monkeypatch.setattr(sys.modules["_common"], "in_own_process", lambda function, *args: function(*args))
    monkeypatch.setattr(bench, "DATASET", "mnist-5k")
    monkeypatch.setattr(bench, "FEATURES", "digits")
    monkeypatch.setattr(bench, "CALIBRATION_STEPS", 40)  # timed from step 20 to 40
    out, grids = tmp_path / "fm", tmp_path / "grids"
    argv = ["--configs", "dcgan", "--budget-min", "0.02", "--samples", "200", "--out", str(out)]
    assert bench.main([*argv, "--grids", str(grids)]) == 0

    report = json.loads(out.with_suffix(".json").read_text())
    (run,) = report["runs"]
    per_step = report["seconds_per_step"]["dcgan"]
    assert report["budget_min"] == 0.02
    assert per_step > 0 and run["steps"] == max(40, int(0.02 * 60 / per_step)) == report["steps"]["dcgan"]
    assert run["config"] == "dcgan" and run["seed"] == 0 and run["fid"] > 0
    assert 0 <= run["precision"] <= 1 and 0 <= run["recall"] <= 1
    assert run["loop_s"] > 0 and run["eval_s"] > 0
    assert Path(run["grid"]).parent == grids and Path(run["grid"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = out.with_suffix(".md").read_text()
    assert "| dcgan | 0 |" in table and "| DCGAN (quoted, settings unknown) | | 113.39 |" in table

    assert bench.main([*argv, "--append"]) == 0  # nothing left to run: the same report
    assert json.loads(out.with_suffix(".json").read_text())["runs"] == [run]


def test_bad_arguments_are_refused_with_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("fashion_mnist", monkeypatch)
    for argv in (["--budget-min", "0"], ["--samples", "1"], ["--configs", "stylegan"]):
        with pytest.raises(SystemExit) as stopped:
            bench.main(argv)
        assert stopped.value.code == 2
