"""Nothing lost, nothing run: checkpoints without pickle, checked by their manifest, a damaged one
passed over for the last intact one, a divergence guard, and a locked run directory."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import core_tiny
import numpy as np
import pytest
import torch
from core_helpers import run_cli, with_step
from safetensors.torch import load_file

from gan_core import (
    CheckpointError,
    DivergenceError,
    GanTrainer,
    GanWarning,
    Registry,
    RunDir,
    RunDirectoryError,
    RunDirectoryLockedError,
    alternating_step,
    create_registry,
    resolve_config,
)
from gan_core._state_files import MANIFEST, checkpoint_problem, write_manifest

TINY = core_tiny.TINY


def _registry() -> Registry:
    return create_registry(plugins=[core_tiny], entry_points=False, strict=False)


def fit(run: Path, *, resume: bool = False, variant: Any = TINY, **train: Any) -> Any:
    train = {"steps": 4, "checkpoint_every": 2, "keep_checkpoints": 2, **train}
    config = resolve_config(variant, flags=train)
    return GanTrainer(variant, config, run, registry=_registry()).fit(resume=resume)


def weights(checkpoint: Path, role: str = "generator") -> dict[str, torch.Tensor]:
    return load_file(str(checkpoint / f"{role}.safetensors"))


def same(a: Mapping[str, torch.Tensor], b: Mapping[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    registry = _registry()
    return lambda *argv: run_cli([str(a) for a in argv], capsys, registry)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of 6 steps, checkpoints at 2, 4 and 6 (all kept)."""
    run = tmp_path_factory.mktemp("reference") / "run"
    fit(run, steps=6, keep_checkpoints=3)
    return run


@pytest.fixture
def run4(tmp_path: Path) -> Path:
    """A run of 4 steps with checkpoints at 2 and 4."""
    run = tmp_path / "run"
    fit(run)
    return run


def one_line(result: Any, *fragments: str) -> None:
    assert result.code == 2, result
    lines = [line for line in result.err_lines if not line.startswith("gan: warning:")]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# --- what a checkpoint holds -----------------------------------------------------------------


def test_a_checkpoint_holds_no_pickle_and_a_manifest_of_every_file(run4: Path) -> None:
    checkpoint = RunDir(run4).checkpoint_path(4)
    names = sorted(p.name for p in checkpoint.iterdir())
    assert all(name.endswith((".safetensors", ".json")) for name in names), names
    manifest = json.loads((checkpoint / MANIFEST).read_text())
    assert sorted(manifest["files"]) == [n for n in names if n != MANIFEST]
    assert manifest["step"] == 4
    progress = json.loads((checkpoint / "progress.json").read_text())
    assert (progress["step"], progress["processes"]) == (4, 1)
    assert checkpoint_problem(checkpoint) is None


def test_resume_after_a_damaged_checkpoint_reproduces_the_uninterrupted_run(reference: Path, tmp_path: Path) -> None:
    """The newest checkpoint damaged: resume warns, sets it aside, goes on from the one before, and
    ends bit for bit where the uninterrupted run ended."""
    run = tmp_path / "run"
    fit(run)
    newest = RunDir(run).checkpoint_path(4)
    data = bytearray((newest / "generator.safetensors").read_bytes())
    data[-3] ^= 0x40  # one flipped bit in a weight: still parses, would load silently
    (newest / "generator.safetensors").write_bytes(bytes(data))
    with pytest.warns(GanWarning, match=r"step_00000004 is damaged \(generator.safetensors does not match"):
        result = fit(run, steps=6, resume=True)
    assert result.start_step == 2
    assert (run / "checkpoints" / "damaged-step_00000004").is_dir()
    for step in (4, 6):
        for role in ("generator", "discriminator"):
            assert same(
                weights(RunDir(run).checkpoint_path(step), role), weights(RunDir(reference).checkpoint_path(step), role)
            ), (step, role)
    log = [r for r in RunDir(run).read_log() if "event" not in r]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5, 6]


def test_the_log_line_after_a_resume_between_log_steps_averages_every_step(tmp_path: Path) -> None:
    """Killed after the checkpoint at step 3 (log_every 2): the resumed line for step 4 averages steps 3
    and 4, as the uninterrupted run's does."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    fit(whole, steps=6, log_every=2, checkpoint_every=3)
    fit(cut, steps=6, log_every=2, checkpoint_every=3)
    shutil.rmtree(RunDir(cut).checkpoint_path(6))  # as if killed before the last save
    fit(cut, steps=6, log_every=2, checkpoint_every=3, resume=True)

    def lines(run: Path) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "elapsed_s"} for r in RunDir(run).read_log()]

    assert lines(cut) == lines(whole)


def test_an_interrupted_save_is_passed_over(run4: Path, capsys: pytest.CaptureFixture[str], cli: Any) -> None:
    newest = RunDir(run4).checkpoint_path(4)
    (newest / MANIFEST).unlink()  # what a kill between the last file and the manifest would leave
    result = cli("sample", run4, "--out", run4 / "s.npy", "--n", "4")
    assert result.code == 0, result.err
    assert "gan: warning: checkpoint step_00000004 is damaged (MANIFEST.json is missing" in result.err
    assert "using step_00000002" in result.err


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda c: (c / "discriminator.safetensors").write_bytes(b"garbage"), "does not match its checksum"),
        (lambda c: (c / "progress.json").unlink(), "progress.json is missing"),
        (lambda c: (c / MANIFEST).write_text("{not json"), "MANIFEST.json is damaged"),
        (lambda c: (c / "data.json").write_text('{"value_range": [0, 2]}'), "data.json does not match"),
    ],
    ids=["bytes", "missing-file", "manifest", "data-info"],
)
def test_damage_is_detected_named_and_the_previous_checkpoint_used(
    run4: Path, cli: Any, damage: Any, expected: str
) -> None:
    damage(RunDir(run4).checkpoint_path(4))
    result = cli("sample", run4, "--out", run4 / "s.npy", "--n", "4")
    assert result.code == 0, result.err
    assert expected in result.err and "using step_00000002" in result.err


def test_no_intact_checkpoint(run4: Path, cli: Any) -> None:
    """``sample`` refuses in one line; ``--resume`` says so, sets the damaged ones aside and restarts."""
    for checkpoint in RunDir(run4).checkpoints():
        (checkpoint / "generator.safetensors").write_bytes(b"\0" * 10)
    one_line(cli("sample", run4, "--out", run4 / "s.npy"), "no intact checkpoint", "step_00000004")
    assert not (run4 / "s.npy").exists()
    resumed = cli("train", "tiny", "--resume", "--out", run4, "--steps", "4")
    assert resumed.code == 0, resumed.err
    assert resumed.err.count("restarting from step 0") == 2
    assert sorted(p.name for p in (run4 / "checkpoints").iterdir()) == [
        "damaged-step_00000002",
        "damaged-step_00000004",
        "step_00000002",
        "step_00000004",
    ]


def test_an_edited_config_that_no_longer_fits_the_weights_is_one_line(run4: Path, cli: Any) -> None:
    config = (run4 / "config.toml").read_text().replace("hidden = 16", "hidden = 17")
    (run4 / "config.toml").write_text(config)
    one_line(cli("sample", run4, "--out", run4 / "s.npy"), "cannot be loaded into the configured network")


# --- planted pickles -------------------------------------------------------------------------


class _Payload:
    """Unpickling this runs ``touch MARKER``: what a hostile run directory would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _plant(path: Path, marker: Path) -> None:
    """A live payload: in torch's format where torch.load reads the file, a bare pickle elsewhere."""
    if path.suffix in {".pkl", ".bin", ".pt"}:
        torch.save({"state": _Payload(marker)}, path)
    else:
        path.write_bytes(pickle.dumps(_Payload(marker)))


def test_the_payload_does_run_when_unpickled(tmp_path: Path) -> None:
    """The test's own control: the planted file is a live payload for anything that unpickles it."""
    marker = tmp_path / "ran"
    _plant(tmp_path / "x.pkl", marker)
    torch.load(tmp_path / "x.pkl", weights_only=False)
    assert marker.exists()
    marker.unlink()
    _plant(tmp_path / "x.json", marker)
    pickle.loads((tmp_path / "x.json").read_bytes())  # the point of the test
    assert marker.exists()


CHECKPOINT_FILES = [
    "generator.safetensors",
    "discriminator.safetensors",
    "optimizer-generator.safetensors",
    "optimizer-discriminator.safetensors",
    "progress.json",
    "data.json",
    "rng-0.safetensors",
]


@pytest.mark.parametrize("name", CHECKPOINT_FILES)
def test_a_pickle_planted_in_any_file_never_runs(run4: Path, cli: Any, name: str, tmp_path: Path) -> None:
    """Each file of the newest checkpoint replaced by a payload, the manifest rewritten to match (an
    attacker can do both): resume and sample refuse in one line, and nothing runs."""
    marker = tmp_path / "ran"
    newest = RunDir(run4).checkpoint_path(4)
    _plant(newest / name, marker)
    write_manifest(newest, 4)
    sampled = cli("sample", run4, "--out", tmp_path / "s.npy", "--n", "2")
    resumed = cli("train", "tiny", "--resume", "--out", run4, "--steps", "6")
    assert not marker.exists()
    if name == "data.json":  # training describes its data afresh; only readers of the run read the copy
        assert resumed.code == 0, resumed.err
    else:
        one_line(resumed, str(newest))
    if name.startswith(("generator", "data")):
        one_line(sampled, str(newest))
    else:  # sample reads only the generator and the data description
        assert sampled.code == 0, sampled.err


@pytest.mark.parametrize("name", ["custom_checkpoint_0.pkl", "optimizer.bin", "random_states_0.pkl"])
def test_a_pickle_in_an_old_style_checkpoint_never_runs(run4: Path, cli: Any, name: str, tmp_path: Path) -> None:
    """gan-core 0.1 checkpoints (Accelerate's files, no manifest) are read with weights_only=True."""
    marker = tmp_path / "ran"
    old = RunDir(run4).checkpoint_path(4)
    _make_legacy(old)
    _plant(old / name, marker)
    result = cli("train", "tiny", "--resume", "--out", run4, "--steps", "6")
    assert not marker.exists()
    one_line(result, "cannot be read safely", name)


def _make_legacy(checkpoint: Path) -> None:
    """Rewrite a checkpoint in the layout of gan-core 0.1/0.2.0 (Accelerate's save_state)."""
    from gan_core._state_files import load_json, load_state

    progress = load_json(checkpoint / "progress.json")
    torch.save(
        {k: progress[k] for k in ("step", "batches", "extra", "d_updates")}, checkpoint / "custom_checkpoint_0.pkl"
    )
    for role, old in (("generator", "optimizer.bin"), ("discriminator", "optimizer_1.bin")):
        torch.save(load_state(checkpoint / f"optimizer-{role}.safetensors"), checkpoint / old)
    rng = load_state(checkpoint / "rng-0.safetensors")
    torch.save(
        {
            "step": 0,
            "random_state": rng["python"],
            "numpy_random_seed": rng["numpy"],
            "torch_manual_seed": rng["torch"],
        },
        checkpoint / "random_states_0.pkl",
    )
    shutil.copy(checkpoint / "generator.safetensors", checkpoint / "model.safetensors")
    shutil.copy(checkpoint / "discriminator.safetensors", checkpoint / "model_1.safetensors")
    for name in (*CHECKPOINT_FILES[2:], "discriminator.safetensors", MANIFEST):
        (checkpoint / name).unlink()


def test_an_old_style_checkpoint_still_resumes_exactly(reference: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run)
    _make_legacy(RunDir(run).checkpoint_path(4))
    assert checkpoint_problem(RunDir(run).checkpoint_path(4)) is None
    fit(run, steps=6, resume=True)
    assert same(weights(RunDir(run).checkpoint_path(6)), weights(RunDir(reference).checkpoint_path(6)))


# --- divergence ------------------------------------------------------------------------------


def _poisoned(at: int) -> Any:
    """The standard step, with the generator's weights turned to NaN at update ``at``."""

    def step(ctx: Any) -> Any:
        if ctx.step == at:
            with torch.no_grad():
                next(ctx.generator.parameters()).fill_(float("nan"))
        return alternating_step(ctx)

    return step


def test_divergence_stops_the_run_and_keeps_the_last_finite_checkpoint(tmp_path: Path) -> None:
    run = tmp_path / "run"
    poisoned = with_step(TINY, _poisoned(at=6))
    with pytest.raises(DivergenceError) as info:
        fit(run, variant=poisoned, steps=20, keep_checkpoints=1)
    message = str(info.value)
    assert "diverged at step 7" in message and "not finite" in message and "step_00000006" in message
    assert "\n" not in message
    assert [p.name for p in RunDir(run).checkpoints()] == ["step_00000006"]
    assert all(torch.isfinite(t).all() for t in weights(RunDir(run).checkpoint_path(6)).values())
    events = [r for r in RunDir(run).read_log() if r.get("event") == "divergence"]
    assert [e["step"] for e in events] == [7] and events[0]["advice"]


def test_divergence_from_the_command_line_exits_3_and_sample_uses_the_last_finite_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``lr`` absurdly large: the weights blow up; the run stops in one line; the samples stay finite."""
    run = tmp_path / "run"
    registry = _registry()
    result = run_cli(
        ["train", "tiny", "--out", str(run), "--steps", "400", "--set", "lr=1e10", "--set", "train.checkpoint_every=1"],
        capsys,
        registry,
    )
    assert result.code == 3, result.err
    # the monitor may first report the finite losses that exploded (one warning line), then the stop
    errors = [line for line in result.err_lines if not line.startswith("gan: warning: step ")]
    assert len(errors) == 1 and "training diverged at step" in errors[0]
    sampled = run_cli(["sample", str(run), "--out", str(tmp_path / "s.npy"), "--n", "8"], capsys, registry)
    assert sampled.code == 0, sampled.err
    assert np.isfinite(np.load(tmp_path / "s.npy")).all()


# --- the run directory -----------------------------------------------------------------------


def test_a_second_writer_is_refused_in_one_line_naming_the_holder(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    holder = rf"in use by another gan train \(pid {os.getpid()}\)"
    with run.lock(), pytest.raises(RunDirectoryLockedError, match=holder):
        fit(run.path)
    assert not (run.path / ".lock").exists() and not run.path.exists()  # made here, left as found


def test_concurrent_train_commands_the_second_refused_the_first_unharmed(tmp_path: Path) -> None:
    """Two real ``gan train`` processes into one --out: one line for the second; the first finishes."""
    run = tmp_path / "run"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import core_tiny
        from gan_core import create_registry
        from gan_core.cli import main
        registry = create_registry(plugins=[core_tiny], entry_points=False, strict=False)
        sys.exit(main(sys.argv[1:], registry=registry))
        """
    )
    argv = [sys.executable, "-c", script, "train", "tiny", "--out", str(run), "--steps", "4000"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen(
        [*argv, "--set", "train.log_every=100", "--set", "train.checkpoint_every=1000"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):
        if (run / ".lock").exists() and (run / ".lock").read_text().strip():
            break
        subprocess.run(["sleep", "0.05"], check=True)
    second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert first.poll() is None, "the first run ended before the second tried: the test proved nothing"
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    assert second.returncode == 2
    assert len(second.stderr.splitlines()) == 1 and f"pid {first.pid}" in second.stderr
    assert [r["step"] for r in RunDir(run).read_log()] == list(range(100, 4001, 100))
    assert not (run / ".lock").exists()


def test_resume_of_a_run_that_died_before_its_first_checkpoint_restarts(tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=4, checkpoint_every=0)
    shutil.rmtree(run / "checkpoints")  # as if killed before the final save
    with pytest.warns(GanWarning, match="holds no checkpoint yet; restarting from step 0"):
        result = fit(run, steps=4, checkpoint_every=0, resume=True)
    assert result.start_step == 0
    assert [r["step"] for r in RunDir(run).read_log()] == [1, 2, 3, 4]


def test_resume_with_nothing_to_resume_says_how(tmp_path: Path) -> None:
    with pytest.raises(RunDirectoryError, match=r"no checkpoint in .*leave out --resume"):
        fit(tmp_path / "empty", resume=True)
    assert not (tmp_path / "empty").exists()


def test_a_refused_resume_leaves_the_directory_as_it_was(run4: Path) -> None:
    """Every checkpoint passes its manifest but one file cannot be read: nothing is rewritten."""
    for checkpoint in RunDir(run4).checkpoints():
        (checkpoint / "progress.json").write_text("[]")
        write_manifest(checkpoint, int(checkpoint.name[5:]))
    before = {p: p.read_bytes() for p in run4.rglob("*") if p.is_file()}
    with pytest.raises(CheckpointError, match=r"progress\.json: cannot be read"):
        fit(run4, steps=6, resume=True)
    assert {p: p.read_bytes() for p in run4.rglob("*") if p.is_file()} == before


def test_out_that_is_a_file_is_one_line(tmp_path: Path, cli: Any) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    one_line(cli("train", "tiny", "--out", target), "--out", "is a file")


def test_a_garbled_log_is_read_without_a_traceback(run4: Path) -> None:
    with (run4 / "log.jsonl").open("ab") as handle:
        handle.write(b'\xff\xfe{"step": \n[1, 2]\n')
    assert [r["step"] for r in RunDir(run4).read_log()] == [1, 2, 3, 4]


def test_a_garbled_data_description_is_one_line(run4: Path, cli: Any) -> None:
    for checkpoint in RunDir(run4).checkpoints():
        (checkpoint / "data.json").unlink()
        write_manifest(checkpoint, int(checkpoint.name[5:]))
    (run4 / "data.json").write_text("{garbled")
    one_line(cli("sample", run4, "--out", run4 / "s.npy"), "data.json: damaged")


def test_a_bad_value_in_a_runs_own_config_names_the_file(run4: Path, cli: Any) -> None:
    text = (run4 / "config.toml").read_text().replace("hidden = 16", "hidden = -1")
    (run4 / "config.toml").write_text(text)
    one_line(cli("sample", run4, "--out", run4 / "s.npy"), f"{run4 / 'config.toml'}: model.hidden")


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried"),
        RuntimeError("Storage size calculation overflowed with sizes=[10000000000, 10000000000]"),
        ValueError("Overflow when unpacking long long"),
    ],
)
def test_allocation_failures_are_one_line(error: Exception, capsys: pytest.CaptureFixture[str]) -> None:
    from gan_core._records import CommandSpec

    def fail(args: Any) -> int:
        raise error

    registry = _registry()
    registry.add("command", CommandSpec(name="boom", help="fails", add_arguments=lambda parser: None, run=fail))
    result = run_cli(["boom"], capsys, registry)
    one_line(result, "out of memory")
