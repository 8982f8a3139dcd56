"""``torchrun --nproc_per_node 2 -m gan_core.cli train ...`` with a plugin variant, as the user guide shows.

On CPU, Accelerate runs the two processes with gloo (MULTI_CPU). The plugin is found through its
entry point in each process; only the main process writes the log, samples and checkpoints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from integration_support import TINY_EXAMPLE, gan, run


@pytest.mark.multiprocess
def test_two_processes_train_the_example_variant(tmp_path: Path) -> None:
    # ``python -m torch.distributed.run`` is ``torchrun``; the module form needs no script on PATH.
    launched = run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "-m",
            "gan_core.cli",
            "train",
            "lsgan-example",
            "--steps",
            "6",
            "--out",
            "run",
            *TINY_EXAMPLE,
            "--set",
            "log_every=3",
        ],
        tmp_path,
    )
    assert launched.code == 0, launched.err[-3000:]
    assert launched.out.count("trained lsgan-example to step 6") == 1  # the main process reports
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [3, 6]
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["step_00000006"]
    sampled = gan("sample", "run", "--n", "8", "--out", "s.npy", cwd=tmp_path)
    assert sampled.code == 0, sampled.err
