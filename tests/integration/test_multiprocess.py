"""``torchrun --nproc_per_node 2 -m gan_core.cli train ...`` with a plugin variant, as the user guide shows.

On CPU, Accelerate runs the two processes with gloo (MULTI_CPU). The plugin is found through its
entry point in each process; only the main process writes the log, samples and checkpoints.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import torch
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


def _torchrun(tmp_path: Path, out: str, *args: str) -> object:
    return run(
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
            "--out",
            out,
            *args,
        ],
        tmp_path,
    )


@pytest.mark.multiprocess
def test_two_processes_resume_exactly_and_one_process_is_warned(tmp_path: Path) -> None:
    """Each process saves its own random-number state: a 2-process resume ends where the uninterrupted
    2-process run ended; resuming with 1 process goes on, with a warning."""
    from safetensors.torch import load_file

    settings = ["--steps", "6", *TINY_EXAMPLE, "--set", "checkpoint_every=3"]
    whole = _torchrun(tmp_path, "whole", *settings)
    cut = _torchrun(tmp_path, "cut", *settings)
    assert whole.code == 0 and cut.code == 0, (whole.err[-2000:], cut.err[-2000:])  # type: ignore[attr-defined]
    assert sorted(p.name for p in (tmp_path / "cut" / "checkpoints" / "step_00000003").glob("rng-*")) == [
        "rng-0.safetensors",
        "rng-1.safetensors",
    ]
    shutil.rmtree(tmp_path / "cut" / "checkpoints" / "step_00000006")  # killed before the last save
    shutil.copytree(tmp_path / "cut", tmp_path / "single")
    resumed = _torchrun(tmp_path, "cut", "--resume", "--steps", "6")
    assert resumed.code == 0, resumed.err[-3000:]  # type: ignore[attr-defined]
    final = "checkpoints/step_00000006/generator.safetensors"
    a, b = load_file(str(tmp_path / "whole" / final)), load_file(str(tmp_path / "cut" / final))
    assert all(torch.equal(a[k], b[k]) for k in a)
    single = gan("train", "lsgan-example", "--out", "single", "--resume", "--steps", "6", cwd=tmp_path)
    assert single.code == 0, single.err
    assert "saved by 2 process(es) and resumes with 1" in single.err
