"""``gan eval`` reads checkpoints as ``gan sample`` does: nothing planted in a run executes, a damaged
newest checkpoint is named and the intact one before it is measured."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from _tiny_runs import train_tiny

from gan_core import Registry, RunDir
from gan_core._state_files import write_manifest
from gan_core.cli import main


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def trained(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(
        tmp_path_factory.mktemp("safety") / "tiny",
        registry,
        **{"train.checkpoint_every": 1, "train.keep_checkpoints": 2},
    )


@pytest.fixture
def run_dir(trained: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(trained, copy)
    return copy


@pytest.fixture
def gan(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("gan_core.cli.create_registry", lambda: registry)
    return main


EVAL = ["--metrics", "fid", "--features", "digits", "--n", "50", "--no-cache"]


@pytest.mark.parametrize("name", ["generator.safetensors", "data.json"])
def test_a_planted_pickle_never_runs_in_eval(
    gan: Any, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    marker = tmp_path / "ran"
    newest = RunDir(run_dir).latest_checkpoint()
    assert newest is not None
    (newest / name).write_bytes(pickle.dumps(_Payload(marker)))
    write_manifest(newest, int(newest.name[5:]))  # the attacker rewrites the sums too
    assert gan(["eval", str(run_dir), *EVAL]) == 2
    err = capsys.readouterr().err.strip()
    assert not marker.exists()
    assert len(err.splitlines()) == 1 and str(newest) in err and "Traceback" not in err


def test_eval_names_a_damaged_checkpoint_and_measures_the_one_before(
    gan: Any, run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoints = RunDir(run_dir).checkpoints()
    assert len(checkpoints) == 2
    (checkpoints[-1] / "generator.safetensors").write_bytes(b"\0" * 64)
    assert gan(["eval", str(run_dir), *EVAL]) == 0
    err = capsys.readouterr().err
    assert f"checkpoint {checkpoints[-1].name} is damaged" in err and f"using {checkpoints[0].name}" in err
