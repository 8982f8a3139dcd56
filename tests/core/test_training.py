"""The training loop: what a run directory holds, exact resume, atomic checkpoints, k discriminator steps."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import torch
from core_helpers import image_data, tiny_config, with_step
from PIL import Image
from safetensors.torch import load_file

from gan_core import (
    ConfigError,
    GanTrainer,
    LoadedData,
    Registry,
    RunDir,
    TrainResult,
    Variant,
    alternating_step,
    resolve_config,
)
from gan_core._config import load_run_config
from gan_core._rundir import read_jsonl as read_log
from gan_core.data import InMemoryDataset
from gan_core.errors import RunDirectoryError

TINY = core_tiny.TINY


@pytest.fixture
def fit(registry: Registry) -> Any:
    def fit(
        out: Path, *, data: LoadedData | None = None, resume: bool = False, variant: Variant = TINY, **train: Any
    ) -> TrainResult:
        config = resolve_config(variant, flags=train)
        return GanTrainer(variant, config, out, registry=registry, data=data).fit(resume=resume)

    return fit


def generator_weights(run: Path, step: int | None = None) -> dict[str, torch.Tensor]:
    checkpoint = RunDir(run).latest_checkpoint() if step is None else RunDir(run).checkpoint_path(step)
    assert checkpoint is not None
    return load_file(str(RunDir.weights_file(checkpoint, "generator")))


def assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def log_without_time(run: Path) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "elapsed_s"} for record in read_log(run / "log.jsonl")]


def checkpoint_steps(run: Path) -> list[int]:
    return [int(p.name.removeprefix("step_")) for p in RunDir(run).checkpoints()]


# --- what a run leaves behind --------------------------------------------------------------------


def test_a_short_run_writes_its_directory(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = fit(run, steps=4, sample_every=2, checkpoint_every=2)
    assert (result.out_dir, result.steps, result.start_step) == (run, 4, 0)
    assert result.checkpoint == run / "checkpoints" / "step_00000004"
    assert set(result.last_scalars) == {"d_loss", "g_loss"}
    assert all(math.isfinite(v) for v in result.last_scalars.values())
    assert result.loop_seconds > 0

    records = read_log(run / "log.jsonl")
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    for record in records:
        assert {k for k in record if not k.startswith("probe/")} == {"step", "d_loss", "g_loss", "elapsed_s"}
        assert all(math.isfinite(v) for v in record.values())
    assert records[-1]["d_loss"] == pytest.approx(result.last_scalars["d_loss"])

    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_00000002.png", "step_00000004.png"]
    for png in [*(run / "samples").iterdir(), run / "loss_curves.png"]:
        with Image.open(png) as image:
            assert image.format == "PNG" and image.width > 0
    assert checkpoint_steps(run) == [2, 4]
    assert RunDir.weights_file(run / "checkpoints" / "step_00000004", "generator").is_file()
    assert load_run_config(TINY, run / "config.toml") == tiny_config(steps=4, sample_every=2, checkpoint_every=2)
    info = RunDir(run).read_data_info()
    assert (info.shape, info.kind, info.num_classes) == ((2,), "points", 8)


def test_training_changes_the_generator(fit: Any, tmp_path: Path) -> None:
    fit(tmp_path / "a", steps=1, checkpoint_every=1)
    fit(tmp_path / "b", steps=3, checkpoint_every=1, keep_checkpoints=3)
    first = generator_weights(tmp_path / "b", step=1)
    assert_same_weights(generator_weights(tmp_path / "a"), first)  # same seed, same first step
    last = generator_weights(tmp_path / "b")
    assert any(not torch.equal(first[k], last[k]) for k in first)


def test_image_runs_write_image_grids(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, data=image_data(), steps=2, grid_size=9)
    with Image.open(run / "samples" / "step_00000002.png") as grid:
        assert grid.size == (3 * 8 + 4 * 2, 3 * 8 + 4 * 2)  # 3 x 3 tiles of 8 px with 2 px padding
    assert RunDir(run).read_data_info().shape == (1, 8, 8)


def test_log_lines_average_the_steps_between_them(fit: Any, tmp_path: Path) -> None:
    every = log_without_time(fit(tmp_path / "every", steps=5, log_every=1).out_dir)
    pairs = log_without_time(fit(tmp_path / "pairs", steps=5, log_every=2).out_dir)
    assert [r["step"] for r in pairs] == [2, 4, 5]  # and the final step, whatever the cadence
    for record, window in zip(pairs, [every[0:2], every[2:4], every[4:5]], strict=True):
        for name in ("d_loss", "g_loss"):
            assert record[name] == pytest.approx(sum(r[name] for r in window) / len(window), rel=1e-5)


def test_d_steps_consumes_d_steps_batches_per_step(fit: Any, tmp_path: Path) -> None:
    class Counting(InMemoryDataset):
        def __init__(self, data: InMemoryDataset) -> None:
            super().__init__(data.x, data.y)
            self.calls: list[int] = []

        def get_batch(self, index: torch.Tensor) -> Any:
            self.calls.append(len(index))
            return super().get_batch(index)

    for d_steps in (1, 2, 3):
        base = image_data()
        counting = Counting(base.dataset)  # type: ignore[arg-type]
        fit(tmp_path / f"k{d_steps}", data=LoadedData(counting, base.info), steps=3, d_steps=d_steps, batch_size=8)
        assert counting.calls == [8] * (3 * d_steps)


def test_variant_with_its_own_step(fit: Any, tmp_path: Path) -> None:
    """A variant's ``step`` replaces the alternating one; whatever it returns is logged."""
    calls: list[int] = []

    def generator_only(ctx: Any) -> dict[str, torch.Tensor]:
        calls.append(ctx.step)
        real, _ = ctx.next_batch()
        fake = ctx.generator(ctx.sample_latent(len(real)))
        loss = (fake.mean() - real.mean()) ** 2
        ctx.g_optimizer.zero_grad()
        ctx.accelerator.backward(loss)
        ctx.g_optimizer.step()
        return {"gap": loss.detach()}

    custom = with_step(TINY, generator_only, name="custom")
    run = tmp_path / "run"
    fit(run, variant=custom, steps=3)
    assert calls == [0, 1, 2]
    assert [set(r) for r in read_log(run / "log.jsonl")] == [{"step", "gap", "elapsed_s"}] * 3


def test_data_kind_the_variant_cannot_train_on(fit: Any, tmp_path: Path) -> None:
    images_only = attrs.evolve(TINY, data_kinds=frozenset({"image"}))
    with pytest.raises(ConfigError) as info:
        fit(tmp_path / "run", variant=images_only, steps=1)
    assert info.value.field == "train.dataset" and "points" in str(info.value)


def test_conditional_variant_needs_labels(fit: Any, tmp_path: Path) -> None:
    conditional = attrs.evolve(TINY, conditional=True)
    with pytest.raises(ConfigError, match="conditional"):
        fit(tmp_path / "run", variant=conditional, data=image_data(num_classes=None), steps=1)


def test_a_run_that_failed_before_training_can_be_started_again(fit: Any, tmp_path: Path) -> None:
    """A bad data set or variant fails before any step; the directory must not then count as a run."""
    run = tmp_path / "run"
    with pytest.raises(ConfigError):
        fit(run, variant=attrs.evolve(TINY, data_kinds=frozenset({"image"})), steps=1)
    assert fit(run, steps=1).steps == 1


# --- resume --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["points", "images"])
def test_resume_is_bit_for_bit(fit: Any, tmp_path: Path, kind: str) -> None:
    data = image_data() if kind == "images" else None
    settings = {"d_steps": 2, "batch_size": 8} if kind == "images" else {}
    straight, split = tmp_path / "straight", tmp_path / "split"
    fit(straight, data=data, steps=6, **settings)
    first = fit(split, data=data, steps=3, **settings)
    assert first.checkpoint == split / "checkpoints" / "step_00000003"
    resumed = fit(split, data=data, steps=6, resume=True, **settings)
    assert (resumed.start_step, resumed.steps) == (3, 6)
    assert_same_weights(generator_weights(straight), generator_weights(split))
    assert log_without_time(straight) == log_without_time(split)
    assert checkpoint_steps(split) == [3, 6]
    assert load_run_config(TINY, split / "config.toml").train.steps == 6


def test_resume_truncates_log_records_past_the_checkpoint(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=4, checkpoint_every=2)
    original = log_without_time(run)
    shutil.rmtree(run / "checkpoints" / "step_00000004")  # killed after logging steps 3 and 4
    with (run / "log.jsonl").open("a") as log:
        log.write(json.dumps({"step": 5, "d_loss": 0.0, "g_loss": 0.0, "elapsed_s": 0.0}) + "\n")
    result = fit(run, steps=4, resume=True)
    assert result.start_step == 2
    assert log_without_time(run) == original  # steps 3 and 4 once each, recomputed identically


def test_keep_checkpoints_keeps_the_last_k(fit: Any, tmp_path: Path) -> None:
    fit(tmp_path / "every", steps=5, checkpoint_every=1, keep_checkpoints=2)
    assert checkpoint_steps(tmp_path / "every") == [4, 5]
    fit(tmp_path / "some", steps=5, checkpoint_every=2, keep_checkpoints=3)
    assert checkpoint_steps(tmp_path / "some") == [2, 4, 5]
    fit(tmp_path / "end", steps=5, checkpoint_every=0, keep_checkpoints=3)
    assert checkpoint_steps(tmp_path / "end") == [5]


def test_a_save_killed_midway_leaves_the_previous_checkpoint(fit: Any, tmp_path: Path) -> None:
    straight, run = tmp_path / "straight", tmp_path / "run"
    fit(straight, steps=4)
    fit(run, steps=2)
    partial = run / "checkpoints" / ".tmp-step_00000004"
    partial.mkdir()
    RunDir.weights_file(partial, "generator").write_bytes(b"\x00" * 10)  # a half-written file
    assert RunDir(run).latest_checkpoint() == run / "checkpoints" / "step_00000002"
    assert checkpoint_steps(run) == [2]
    result = fit(run, steps=4, resume=True)
    assert result.start_step == 2
    assert not partial.exists()  # cleared by the next save
    assert_same_weights(generator_weights(straight), generator_weights(run))


def test_checkpoint_names_that_are_not_ours_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    for name in ["step_00000010", "step_00000002", "step_x", "notes", ".tmp-step_00000020"]:
        (root / name).mkdir(parents=True)
    (root / "step_00000030").write_text("a file, not a checkpoint")
    assert [p.name for p in RunDir(tmp_path).checkpoints()] == ["step_00000002", "step_00000010"]
    assert RunDir(tmp_path).latest_checkpoint() == root / "step_00000010"
    assert RunDir(tmp_path / "nowhere").latest_checkpoint() is None


def test_an_existing_run_is_never_overwritten(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=2)
    before = (run / "log.jsonl").read_text()
    with pytest.raises(RunDirectoryError, match=r"already holds a run.*--resume"):
        fit(run, steps=3)
    assert (run / "log.jsonl").read_text() == before
    assert checkpoint_steps(run) == [2]


def test_resume_to_fewer_steps_than_the_checkpoint(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=3)
    with pytest.raises(ConfigError) as info:
        fit(run, steps=2, resume=True)
    assert str(info.value) == "train.steps: must be >= the checkpoint's step (3), got 2"


def test_resume_to_the_checkpoint_step_trains_nothing(fit: Any, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=2)
    weights = generator_weights(run)
    result = fit(run, steps=2, resume=True)
    assert (result.start_step, result.steps) == (2, 2)
    assert_same_weights(weights, generator_weights(run))
    assert [r["step"] for r in read_log(run / "log.jsonl")] == [1, 2]


def test_resume_without_a_checkpoint(fit: Any, tmp_path: Path) -> None:
    with pytest.raises(RunDirectoryError, match="no checkpoint"):
        fit(tmp_path / "empty", steps=2, resume=True)


def test_runs_with_other_precision_in_one_process(fit: Any, tmp_path: Path) -> None:
    """Accelerate keeps its state process-wide; each run must still get the precision it asks for."""
    fit(tmp_path / "fp32", steps=2)
    fit(tmp_path / "bf16", steps=2, mixed_precision="bf16")
    fit(tmp_path / "fp32-again", steps=2)
    assert log_without_time(tmp_path / "fp32-again") == log_without_time(tmp_path / "fp32")
    assert log_without_time(tmp_path / "bf16") != log_without_time(tmp_path / "fp32")  # autocast was on


def test_resume_after_a_kill_in_the_middle_of_a_log_line(fit: Any, tmp_path: Path) -> None:
    straight, run = tmp_path / "straight", tmp_path / "run"
    fit(straight, steps=4)
    fit(run, steps=2)
    with (run / "log.jsonl").open("a") as log:
        log.write('{"step": 3, "d_loss": 1.2')  # the process died mid-write
    fit(run, steps=4, resume=True)
    assert log_without_time(run) == log_without_time(straight)


def test_image_folder_runs_through_the_data_loader_and_resumes(fit: Any, tmp_path: Path) -> None:
    """Data sets without ``get_batch`` go through a DataLoader (with workers); the order still replays."""
    folder = tmp_path / "images"
    for label in ("a", "b"):
        for i in range(6):
            (folder / label).mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (5, 5), (40 * i, 0 if label == "a" else 255, 0)).save(folder / label / f"{i}.png")
    settings = {"dataset": "image-folder", "data_root": str(folder), "image_size": 4, "batch_size": 4}
    fit(tmp_path / "straight", steps=4, **settings)
    fit(tmp_path / "split", steps=2, **settings)
    fit(tmp_path / "split", steps=4, resume=True, **settings)
    assert RunDir(tmp_path / "split").read_data_info().shape == (3, 4, 4)
    assert_same_weights(generator_weights(tmp_path / "straight"), generator_weights(tmp_path / "split"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="fp16 is legitimate on a GPU")
def test_fp16_without_a_gpu_is_refused_rather_than_silently_ignored(fit: Any, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"train\.mixed_precision: 'fp16' needs a GPU"):
        fit(tmp_path / "run", steps=2, mixed_precision="fp16")
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_toy_value_range_holds_every_training_point() -> None:
    from gan_core import DataOptions
    from gan_core.data.toy import load_toy

    for name in ("ring8", "grid25"):
        loaded = load_toy(name, DataOptions(root=Path(".")))
        low, high = loaded.info.value_range
        points = loaded.dataset.x  # type: ignore[attr-defined]
        assert bool(((points >= low) & (points <= high)).all()), name


# --- learning-rate decay -------------------------------------------------------------------------


def test_linear_decay_reaches_zero_at_the_last_step(fit: Any, tmp_path: Path) -> None:
    seen: list[tuple[float, float]] = []

    def recording(ctx: Any) -> dict[str, torch.Tensor]:
        seen.append((ctx.g_optimizer.param_groups[0]["lr"], ctx.d_optimizer.param_groups[0]["lr"]))
        return alternating_step(ctx)

    fit(tmp_path / "run", variant=with_step(TINY, recording, name="rec"), steps=4, lr_decay="linear")
    base = seen[0][0]
    assert [g for g, _ in seen] == pytest.approx([base * f for f in (1.0, 0.75, 0.5, 0.25)])
    assert [d for _, d in seen] == pytest.approx([g for g, _ in seen])


def test_no_decay_keeps_the_rate(fit: Any, tmp_path: Path) -> None:
    seen: list[float] = []

    def recording(ctx: Any) -> dict[str, torch.Tensor]:
        seen.append(ctx.g_optimizer.param_groups[0]["lr"])
        return alternating_step(ctx)

    fit(tmp_path / "run", variant=with_step(TINY, recording, name="rec"), steps=3)
    assert len(set(seen)) == 1


def test_resume_with_linear_decay_is_bit_for_bit(fit: Any, tmp_path: Path) -> None:
    """The rate is a function of the step, not of the optimizer state a checkpoint restores."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    fit(straight, steps=6, lr_decay="linear")
    fit(split, steps=6, lr_decay="linear", checkpoint_every=3, keep_checkpoints=5)
    shutil.rmtree(split / "checkpoints" / "step_00000006")
    resumed = fit(split, steps=6, lr_decay="linear", resume=True)
    assert resumed.start_step == 3
    assert_same_weights(generator_weights(straight), generator_weights(split))
    assert log_without_time(straight) == log_without_time(split)


# --- what people read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e-4, "0.0001"),
        (2.5e-5, "2.5e-05"),
        (0.6931, "0.6931"),
        (-1.23456, "-1.235"),
        (37.94, "37.94"),
        (12345.6, "1.235e+04"),
    ],
)
def test_scalars_keep_four_significant_digits(value: float, shown: str) -> None:
    from gan_core._training.logs import format_scalar

    assert format_scalar(value) == shown


def test_progress_bar_shows_a_small_learning_rate(fit: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bug: the bar printed every scalar with three decimals, so a learning rate of 1e-4 read lr=0.000."""

    def with_lr(ctx: Any) -> dict[str, torch.Tensor]:
        return {**alternating_step(ctx), "lr": torch.tensor(1e-4)}

    fit(tmp_path / "run", variant=with_step(TINY, with_lr, name="lr"), steps=2, log_every=1, progress=True)
    progress = capsys.readouterr().err  # not a terminal here: whole lines, "name value"
    assert "lr 0.0001" in progress and "lr 0.000 " not in progress and not progress.rstrip().endswith("lr 0.000")
