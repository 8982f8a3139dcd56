"""The toy-modes benchmark end to end on a few steps: two configs, one seed, two worker processes.

It trains through the installed plugins (vanilla and wgan), as the integration session installs them;
the numbers are meaningless at this length, the plumbing is what is tested.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip("gan_plugin_vanilla")
pytest.importorskip("gan_plugin_wgan")


def test_sweep_writes_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toy_modes", monkeypatch)
    out = tmp_path / "toy"
    argv = ["--configs", "wgan-gp", "vanilla-ns", "--datasets", "ring8", "--seeds", "3"]
    assert bench.main([*argv, "--jobs", "2", "--steps", "2", "--out", str(out)]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    runs = report["runs"]
    assert sorted((r["config"], r["seed"]) for r in runs) == [("vanilla-ns", 3), ("wgan-gp", 3)]
    for run in runs:
        assert run["num_modes"] == 8 and 0 <= run["modes_captured"] <= 8
        assert 0.0 <= run["high_quality_fraction"] <= 1.0 and run["wall_s"] > 0 and run["steps"] == 2
    assert {(row["config"], row["dataset"]) for row in report["summary"]} == {
        ("wgan-gp", "ring8"),
        ("vanilla-ns", "ring8"),
    }
    table = out.with_suffix(".md").read_text()
    assert "PacGAN4 (PacGAN Table 1, published) | ring8 | 7.8 | 95.9%" in table
    assert "| wgan-gp | ring8 |" in table and "grid25" not in table


def test_summary_is_mean_and_std_over_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toy_modes", monkeypatch)
    runs = [
        bench.RunResult("wgan-gp", "grid25", seed, 10, modes, 25, hq, 1.0, 1.0)
        for seed, modes, hq in [(0, 25, 0.9), (1, 23, 0.8), (2, 24, 1.0)]
    ]
    (row,) = bench.summarise(runs)
    assert row["modes_mean"] == pytest.approx(24.0) and row["modes_std"] == pytest.approx(1.0)
    assert row["hq_mean"] == pytest.approx(0.9) and row["hq_std"] == pytest.approx(0.1)
    assert row["all_modes_runs"] == 1 and row["seeds"] == [0, 1, 2]
    assert "| wgan-gp | grid25 | 24.0 ± 1.0 of 25 | 90.0% ± 10.0 | 1 of 3 |" in bench.markdown([row])


def test_append_keeps_earlier_runs_and_skips_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toy_modes", monkeypatch)
    out = tmp_path / "toy"
    earlier = bench.RunResult("wgan-gp", "ring8", 0, 2, 8, 8, 0.5, 1.0, 1.0)
    bench.write_report(out, [earlier], jobs=1, total_s=1.0)
    trained: list[tuple[str, str, int]] = []

    def fake_run(config, dataset, seed, work_dir, steps=None):  # type: ignore[no-untyped-def]
        trained.append((config.name, dataset, seed))
        return bench.RunResult(config.name, dataset, seed, 2, 1, 8, 0.25, 1.0, 1.0)

    monkeypatch.setattr(bench, "run_one", fake_run)
    monkeypatch.setattr(bench, "ProcessPoolExecutor", _InlineExecutor)
    argv = ["--configs", "wgan-gp", "--datasets", "ring8", "--seeds", "0", "1", "--append", "--out", str(out)]
    assert bench.main(argv) == 0
    assert trained == [("wgan-gp", "ring8", 1)]  # seed 0 was in the report already
    report = json.loads(out.with_suffix(".json").read_text())
    assert [(r["seed"], r["modes_captured"]) for r in report["runs"]] == [(0, 8), (1, 1)]
    (row,) = report["summary"]
    assert row["seeds"] == [0, 1] and row["hq_mean"] == pytest.approx(0.375)
    assert report["total_s"] >= 1.0  # the earlier report's seconds are kept, not replaced
    assert report["machine"]["cpu_model"]


def test_report_is_written_after_each_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("toy_modes", monkeypatch)
    out = tmp_path / "toy"
    written: list[int] = []
    write = bench.write_report

    def counting_write(out_path, results, jobs, total_s):  # type: ignore[no-untyped-def]
        written.append(len(results))
        return write(out_path, results, jobs, total_s)

    def fake_run(config, dataset, seed, work_dir, steps=None):  # type: ignore[no-untyped-def]
        return bench.RunResult(config.name, dataset, seed, 2, 8, 8, 1.0, 1.0, 1.0)

    monkeypatch.setattr(bench, "run_one", fake_run)
    monkeypatch.setattr(bench, "ProcessPoolExecutor", _InlineExecutor)
    monkeypatch.setattr(bench, "write_report", counting_write)
    assert bench.main(["--configs", "wgan-gp", "--datasets", "ring8", "--seeds", "0", "1", "2", "--out", str(out)]) == 0
    assert written == [1, 2, 3, 3]  # after each run, then the final table
    assert len(json.loads(out.with_suffix(".json").read_text())["runs"]) == 3


class _InlineExecutor:
    """Runs each submitted call at once, in this process: the tests replace the training with a stub
    recorder, which a spawned worker would not see."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> _InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn, *args):  # type: ignore[no-untyped-def]
        from concurrent.futures import Future

        future: Future = Future()  # type: ignore[type-arg]
        future.set_result(fn(*args))
        return future
