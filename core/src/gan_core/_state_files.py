"""The files a checkpoint holds besides weights, written and read without pickle.

A run directory is shared, downloaded and copied between machines, so nothing read from it may run
code: optimizer states, random-number states and the loop's progress are stored as safetensors
(the tensors) with their structure as JSON in the file's metadata, or as plain JSON. Every
checkpoint ends with a manifest of its files' sizes and SHA-256 sums, written last; a checkpoint
whose files do not match its manifest is damaged and is never loaded.

Checkpoints written by gan-core 0.1 and 0.2.0 (Accelerate's ``save_state``: ``optimizer.bin``,
``random_states_0.pkl``, ``custom_checkpoint_0.pkl``) have no manifest; they are read with
``torch.load(weights_only=True)``, which refuses any object but tensors and plain containers.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from gan_core._files import atomic_write
from gan_core.errors import CheckpointError

MANIFEST = "MANIFEST.json"
PROGRESS = "progress.json"
SCALER = "scaler.safetensors"
FORMAT = "gan-core-checkpoint/1"
#: the safetensors metadata key holding a state's structure (JSON, tensors replaced by references)
_STRUCTURE_KEY = "gan_core.structure"
_LEGACY_MARKERS = ("custom_checkpoint_0.pkl", "optimizer.bin", "random_states_0.pkl")


def optimizer_file(role: str) -> str:
    return f"optimizer-{role}.safetensors"


def rng_file(rank: int) -> str:
    return f"rng-{rank}.safetensors"


# --- structured state: tensors in safetensors, everything else as JSON --------------------------


def save_state(path: Path, state: Any) -> None:
    """Write ``state`` (dicts, lists, tuples, numbers, strings, None, tensors) to one safetensors file."""
    tensors: dict[str, torch.Tensor] = {}
    structure = _encode(state, tensors)
    contiguous = {name: tensor.detach().cpu().contiguous() for name, tensor in tensors.items()}
    atomic_write(
        path,
        lambda partial: save_file(contiguous, str(partial), metadata={_STRUCTURE_KEY: json.dumps(structure)}),
        fsync=True,
    )


def load_state(path: Path, device: torch.device | str = "cpu") -> Any:
    """Read what :func:`save_state` wrote; a damaged or foreign file is a one-line :class:`CheckpointError`."""
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
        structure = json.loads(metadata[_STRUCTURE_KEY])
        return _decode(structure, tensors)
    except (SafetensorError, OSError, KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: cannot be read ({_reason(error)})") from None


def _encode(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = value
        return {"__tensor__": key}
    if isinstance(value, np.ndarray):
        key = f"t{len(tensors)}"
        tensors[key] = torch.from_numpy(np.ascontiguousarray(value))
        return {"__ndarray__": key}
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _encode(v, tensors) for k, v in value.items()}}
        return {"__pairs__": [[_encode(k, tensors), _encode(v, tensors)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, tensors) for v in value]}
    if isinstance(value, list):
        return [_encode(v, tensors) for v in value]
    if isinstance(value, float):
        return {"__float__": repr(value)}  # exact, and inf/nan survive JSON
    if isinstance(value, np.generic):
        return _encode(value.item(), tensors)
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint")


def _decode(value: Any, tensors: Mapping[str, torch.Tensor]) -> Any:
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        return tensors[value["__tensor__"]]
    if "__ndarray__" in value:
        return tensors[value["__ndarray__"]].numpy()
    if "__dict__" in value:
        return {k: _decode(v, tensors) for k, v in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_decode(k, tensors): _decode(v, tensors) for k, v in value["__pairs__"]}
    if "__tuple__" in value:
        return tuple(_decode(v, tensors) for v in value["__tuple__"])
    if "__float__" in value:
        return float(value["__float__"])
    raise ValueError(f"unknown entry {sorted(value)}")


# --- random-number states --------------------------------------------------------------------


def rng_state() -> dict[str, Any]:
    """Every generator a training step may draw from: Python's, NumPy's, torch's (CPU and CUDA)."""
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    try:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        np.random.set_state(state["numpy"])
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"random-number state cannot be restored ({_reason(error)})") from None


# --- JSON files ------------------------------------------------------------------------------


def save_json(path: Path, data: Mapping[str, Any]) -> None:
    atomic_write(path, lambda partial: partial.write_text(json.dumps(data, indent=1), encoding="utf-8"), fsync=True)


def load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: cannot be read ({_reason(error)})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: cannot be read (not a JSON object)")
    return data


# --- the manifest ----------------------------------------------------------------------------


def _digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def write_manifest(checkpoint: Path, step: int) -> None:
    """Record every file of ``checkpoint`` (written last: a checkpoint without it is incomplete)."""
    files = {
        str(path.relative_to(checkpoint)): {"bytes": path.stat().st_size, "sha256": _digest(path)}
        for path in sorted(checkpoint.rglob("*"))
        if path.is_file() and path.name != MANIFEST and not path.name.endswith(".partial")
    }
    save_json(checkpoint / MANIFEST, {"format": FORMAT, "step": step, "files": files})


def is_legacy(checkpoint: Path) -> bool:
    """A checkpoint of gan-core 0.1 or 0.2.0, written by Accelerate's ``save_state`` (no manifest)."""
    return not (checkpoint / MANIFEST).exists() and any((checkpoint / name).exists() for name in _LEGACY_MARKERS)


def checkpoint_problem(checkpoint: Path) -> str | None:
    """Why ``checkpoint`` must not be loaded (missing manifest, a file missing, resized or altered), or
    ``None`` when it is intact. A legacy checkpoint has no sums; its safetensors files are parsed instead."""
    if is_legacy(checkpoint):
        for path in sorted(checkpoint.glob("*.safetensors")):
            if not _parses(path):
                return f"{path.name} is damaged"
        return None
    manifest_path = checkpoint / MANIFEST
    if not manifest_path.exists():
        return f"{MANIFEST} is missing (the save was interrupted)"
    try:
        manifest = load_json(manifest_path)
        files = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(files, dict):
            return f"{MANIFEST} is of an unknown format {manifest.get('format')!r}"
    except (CheckpointError, KeyError):
        return f"{MANIFEST} is damaged"
    for name, expected in files.items():
        path = checkpoint / name
        if not path.is_file():
            return f"{name} is missing"
        try:
            if path.stat().st_size != expected["bytes"] or _digest(path) != expected["sha256"]:
                return f"{name} does not match its checksum"
        except (KeyError, TypeError):
            return f"{MANIFEST} is damaged"
    return None


def _parses(path: Path) -> bool:
    try:
        with safe_open(str(path), framework="pt") as handle:
            for name in handle.keys():  # noqa: SIM118
                handle.get_tensor(name)
    except (SafetensorError, OSError, ValueError, RuntimeError):
        return False
    return True


# --- checkpoints of gan-core 0.1 and 0.2.0 -----------------------------------------------------


def load_legacy(path: Path) -> Any:
    """One of Accelerate's pickled files, read with ``weights_only=True`` (no code runs; anything but
    tensors, NumPy arrays and plain containers is refused)."""
    multiarray = getattr(np, "_core", None) or np.core  # NumPy 2 renamed np.core
    safe = [multiarray.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]
    try:
        with torch.serialization.safe_globals(safe):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling reports a refusal as any of many errors
        raise CheckpointError(f"{path}: cannot be read safely ({_reason(error)})") from None


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]
