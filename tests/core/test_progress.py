"""Progress suits its reader: whole lines when stderr is a file or a pipe, not a redrawn bar."""

from __future__ import annotations

import io
from pathlib import Path

import core_tiny
import pytest

from gan_core import GanTrainer, create_registry, resolve_config
from gan_core._training.logs import PlainProgress


def test_training_into_a_non_terminal_prints_whole_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = create_registry(plugins=[core_tiny], entry_points=False, strict=False)
    config = resolve_config(core_tiny.TINY, flags={"steps": 40, "progress": True})
    GanTrainer(core_tiny.TINY, config, tmp_path / "run", registry=registry).fit()
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = [line for line in err.splitlines() if line.startswith("tiny: step")]
    assert [line.split()[2] for line in lines] == [f"{n}/40" for n in range(4, 41, 4)]
    assert "d_loss" in lines[-1] and "steps/s" in lines[-1]


def test_a_long_pause_prints_a_line_between_tenths() -> None:
    stream = io.StringIO()
    progress = PlainProgress(total=1000, initial=0, desc="v", stream=stream, every_s=0.0)
    progress.update(1)
    progress.update(1)
    assert [line.split()[2] for line in stream.getvalue().splitlines()] == ["1/1000", "2/1000"]


def test_a_resumed_run_counts_from_its_checkpoint() -> None:
    stream = io.StringIO()
    progress = PlainProgress(total=100, initial=55, desc="v", stream=stream)
    for _ in range(10):
        progress.update(1)
    assert [line.split()[2] for line in stream.getvalue().splitlines()] == ["60/100"]
