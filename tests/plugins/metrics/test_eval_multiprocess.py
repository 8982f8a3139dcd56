"""``gan eval`` under ``torchrun --nproc_per_node 2`` (gloo on CPU): each process generates and measures
a contiguous share of the samples, the features are gathered, each sample counted once, and the main
process writes metrics.json; the numbers are those of one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _tiny_runs import make_registry, train_tiny

from gan_plugin_metrics import evaluate_run

DRIVER = Path(__file__).with_name("_tiny_runs.py")


@pytest.mark.multiprocess
def test_two_processes_give_the_numbers_of_one(tmp_path: Path) -> None:
    registry = make_registry()
    run = train_tiny(tmp_path / "run", registry)
    n = 101  # odd: the two shares differ in size (51 and 50)
    metrics = "fid,kid,pr,dc,class-coverage"
    one = evaluate_run(run, metrics=metrics, features="digits", n=n, seed=4, use_cache=False, registry=registry)
    (run / "metrics.json").unlink()
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(DRIVER), "eval", str(run)]
    # --num-samples, not --n: torchrun's parser would take --n for an abbreviation of its own options
    command += ["--metrics", metrics, "--features", "digits", "--num-samples", str(n), "--seed", "4", "--no-cache"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(DRIVER.parent)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("generated vs") == 1  # one table, from the main process
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["processes"] == 2 and saved["n"] == n and saved["n_real"] == n
    two = saved["metrics"]
    assert set(two) == set(one.metrics)
    for key, value in one.metrics.items():
        assert two[key] == pytest.approx(value, rel=1e-5, abs=1e-9), key
