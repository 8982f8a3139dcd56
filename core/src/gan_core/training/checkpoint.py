"""Atomic checkpoints: written to a temporary directory, then renamed into place.

A process killed at any moment leaves either the previous checkpoint or the new one, never a half
written one under a real name; stale temporary directories are ignored and cleared on the next save.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from accelerate import Accelerator
from safetensors.torch import save_model
from torch import nn

CHECKPOINT_DIR = "checkpoints"
GENERATOR_FILE = "generator.safetensors"  # the generator alone, for `gan sample`
_PREFIX = "step_"
_TMP_PREFIX = ".tmp-"


def checkpoint_name(step: int) -> str:
    return f"{_PREFIX}{step:08d}"


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    root = run_dir / CHECKPOINT_DIR
    if not root.is_dir():
        return []
    found = [
        p for p in root.iterdir() if p.is_dir() and p.name.startswith(_PREFIX) and p.name[len(_PREFIX) :].isdigit()
    ]
    return sorted(found, key=lambda p: int(p.name[len(_PREFIX) :]))


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def checkpoint_step(path: Path) -> int:
    return int(path.name[len(_PREFIX) :])


def save_checkpoint(accelerator: Accelerator, run_dir: Path, step: int, generator: nn.Module, keep: int) -> Path:
    """Save the full training state (models, optimizers, scaler, RNGs, registered objects)."""
    root = run_dir / CHECKPOINT_DIR
    final = root / checkpoint_name(step)
    tmp = root / f"{_TMP_PREFIX}{final.name}"
    if accelerator.is_main_process:
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(f"{_TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=True)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        save_model(accelerator.unwrap_model(generator), str(tmp / GENERATOR_FILE))
        _fsync_tree(tmp)
        if final.exists():  # the same step saved twice (a resumed run re-saving): replace it
            old = root / f"{_TMP_PREFIX}old-{final.name}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        for stale in list_checkpoints(run_dir)[:-keep]:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def _fsync_tree(path: Path) -> None:
    """Flush file contents before the rename makes them the checkpoint of record."""
    for file in path.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())
