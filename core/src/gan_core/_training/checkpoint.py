"""Atomic checkpoints: written to a temporary directory, then renamed into place.

A process killed at any moment leaves either the previous checkpoint or the new one, never a half
written one under a real name; stale temporary directories are ignored and cleared on the next save.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from accelerate import Accelerator
from safetensors.torch import save_model
from torch import nn

from gan_core._rundir import Role, RunDir

_TMP_PREFIX = ".tmp-"


def save_checkpoint(
    accelerator: Accelerator,
    run: RunDir,
    step: int,
    networks: Mapping[Role, nn.Module],
    keep: int,
    metadata: Mapping[Role, Mapping[str, str]] | None = None,
) -> Path:
    """Save the full training state (models, optimizers, scaler, RNGs, registered objects), and each
    network's weights under its role's name (with ``metadata``), so that a reader never guesses which
    file is which."""
    root = run.checkpoints_dir
    final = run.checkpoint_path(step)
    tmp = root / f"{_TMP_PREFIX}{final.name}"
    if accelerator.is_main_process:
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(f"{_TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=True)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        for role, network in networks.items():
            extra = dict((metadata or {}).get(role, {})) or None
            save_model(accelerator.unwrap_model(network), str(tmp / RunDir.weights_name(role)), metadata=extra)
        _fsync_tree(tmp)
        if final.exists():  # the same step saved twice (a resumed run re-saving): replace it
            old = root / f"{_TMP_PREFIX}old-{final.name}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        for stale in run.checkpoints()[:-keep]:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def _fsync_tree(path: Path) -> None:
    """Flush file contents before the rename makes them the checkpoint of record."""
    for file in path.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())
