"""Checkpoints: written atomically, checked before they are trusted, read without pickle.

A checkpoint is written into a temporary directory, its manifest last, and renamed into place, so a
process killed at any moment leaves the previous checkpoint or the new one, never a half written
one under a real name; stale temporary directories are cleared on the next save. Loading verifies
the manifest first (:func:`gan_core._state_files.checkpoint_problem`).

Every file is safetensors or JSON (see :mod:`gan_core._state_files`): the networks under their
roles' names, each optimizer, the gradient scaler, the loop's progress, and one random-number
state per process, because each process draws its own noise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accelerate import Accelerator
from safetensors.torch import load_model, save_model
from torch import nn
from torch.optim import Optimizer

from gan_core import _state_files as files
from gan_core._rundir import Role, RunDir
from gan_core.errors import CheckpointError

_TMP_PREFIX = ".tmp-"
#: Accelerate's names, in gan-core 0.1 and 0.2.0 checkpoints, for the i-th prepared optimizer
_LEGACY_OPTIMIZERS: Mapping[str, str] = {"generator": "optimizer.bin", "discriminator": "optimizer_1.bin"}


def save_checkpoint(
    accelerator: Accelerator,
    run: RunDir,
    step: int,
    networks: Mapping[Role, nn.Module],
    keep: int,
    *,
    optimizers: Mapping[str, Optimizer],
    progress: Mapping[str, Any],
    data_info: Mapping[str, Any] | None = None,
    metadata: Mapping[Role, Mapping[str, str]] | None = None,
) -> Path:
    """Save the full training state and return the checkpoint's folder; then prune to the newest ``keep``."""
    root = run.checkpoints_dir
    final = run.checkpoint_path(step)
    tmp = root / f"{_TMP_PREFIX}{final.name}"
    if accelerator.is_main_process:
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(f"{_TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp.mkdir()
        for role, network in networks.items():
            extra = dict((metadata or {}).get(role, {})) or None
            save_model(accelerator.unwrap_model(network), str(tmp / RunDir.weights_name(role)), metadata=extra)
        for role, optimizer in optimizers.items():
            files.save_state(tmp / files.optimizer_file(role), optimizer.state_dict())
        files.save_json(tmp / files.PROGRESS, progress)
        if data_info is not None:
            files.save_json(tmp / RunDir.DATA_INFO, data_info)
        if accelerator.scaler is not None:
            files.save_state(tmp / files.SCALER, accelerator.scaler.state_dict())
    accelerator.wait_for_everyone()
    files.save_state(tmp / files.rng_file(accelerator.process_index), files.rng_state())
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _fsync_tree(tmp)
        files.write_manifest(tmp, step)
        if final.exists():  # the same step saved twice (a resumed run re-saving): replace it
            old = root / f"{_TMP_PREFIX}old-{final.name}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        _fsync_dir(root)
        for stale in run.checkpoints()[:-keep]:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(
    accelerator: Accelerator,
    checkpoint: Path,
    networks: Mapping[Role, nn.Module],
    optimizers: Mapping[str, Optimizer],
) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` saved (or a gan-core 0.1/0.2.0 checkpoint) and return the
    loop's progress. The caller has checked the manifest; a file that still cannot be read is a
    one-line :class:`CheckpointError`."""
    legacy = files.is_legacy(checkpoint)
    for role, network in networks.items():
        path = RunDir.weights_file(checkpoint, role)
        try:
            load_model(accelerator.unwrap_model(network), str(path))  # read on the CPU, copied into place
        except Exception as error:  # safetensors and size mismatches raise several types
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CheckpointError(f"{path}: cannot be loaded ({first[:200]})") from None
    if legacy:
        return _load_legacy(accelerator, checkpoint, optimizers)
    for role, optimizer in optimizers.items():
        # read on the CPU: torch moves each state to its parameter's device, except Adam's step count,
        # which must stay on the CPU
        optimizer.load_state_dict(files.load_state(checkpoint / files.optimizer_file(role)))
    if accelerator.scaler is not None and (checkpoint / files.SCALER).exists():
        accelerator.scaler.load_state_dict(files.load_state(checkpoint / files.SCALER))
    _restore_rng(accelerator, checkpoint)
    return files.load_json(checkpoint / files.PROGRESS)


def saved_processes(checkpoint: Path) -> int:
    """How many processes wrote ``checkpoint`` (one random-number state each)."""
    return len(list(checkpoint.glob("rng-*.safetensors"))) or len(list(checkpoint.glob("random_states_*.pkl")))


def _restore_rng(accelerator: Accelerator, checkpoint: Path) -> None:
    path = checkpoint / files.rng_file(accelerator.process_index)
    if not path.exists():  # more processes now than when saved: warned about by the trainer
        return
    files.set_rng_state(files.load_state(path))


def _load_legacy(accelerator: Accelerator, checkpoint: Path, optimizers: Mapping[str, Optimizer]) -> dict[str, Any]:
    for role, optimizer in optimizers.items():
        state = files.load_legacy(checkpoint / _LEGACY_OPTIMIZERS[role])
        optimizer.load_state_dict(state)
    scaler = checkpoint / "scaler.pt"
    if accelerator.scaler is not None and scaler.exists():
        accelerator.scaler.load_state_dict(files.load_legacy(scaler))
    rng = checkpoint / f"random_states_{accelerator.process_index}.pkl"
    if rng.exists():
        states = files.load_legacy(rng)
        files.set_rng_state(
            {
                "python": states["random_state"],
                "numpy": states["numpy_random_seed"],
                "torch": states["torch_manual_seed"],
                **({"cuda": states["torch_cuda_manual_seed"]} if "torch_cuda_manual_seed" in states else {}),
            }
        )
    progress = files.load_legacy(checkpoint / "custom_checkpoint_0.pkl")
    if not isinstance(progress, dict):
        raise CheckpointError(f"{checkpoint / 'custom_checkpoint_0.pkl'}: cannot be read (not the loop's progress)")
    return progress


def _fsync_tree(path: Path) -> None:
    """Flush file contents before the rename makes them the checkpoint of record."""
    for file in path.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable (POSIX only; elsewhere a no-op)."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


__all__ = ["load_checkpoint", "save_checkpoint", "saved_processes"]
