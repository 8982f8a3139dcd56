"""The run's scalar log (JSON lines) and the loss-curve plot drawn from it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOG_FILE = "log.jsonl"
PLOT_FILE = "loss_curves.png"


def format_scalar(value: float) -> str:
    """A scalar for people to read: four significant digits, whatever its scale.

    A fixed number of decimals hides small values: a learning rate of 1e-4 would read ``0.000``.
    """
    return f"{value:.4g}"


class JsonlLog:
    """Appends one JSON object per log step; line-buffered so a killed run keeps what it logged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("a", buffering=1)

    def write(self, record: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(record) + "\n")

    def close(self) -> None:
        self._handle.close()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records; a line cut short by a kill mid-write is dropped (it is past the last checkpoint)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def truncate_log(path: Path, after_step: int) -> None:
    """Drop records past a checkpoint before resuming from it, so no step is logged twice."""
    if not path.exists():
        return
    kept = [r for r in read_log(path) if r.get("step", 0) <= after_step]
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))


def plot_losses(log_path: Path, out_path: Path) -> Path | None:
    """One panel per scalar against the step; ``None`` when nothing has been logged yet."""
    records = read_log(log_path)
    if not records:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(
        {k for r in records for k, v in r.items() if k not in {"step", "elapsed_s"} and isinstance(v, float | int)}
    )
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names)), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        points = [(r["step"], r[name]) for r in records if name in r]
        ax.plot([p[0] for p in points], [p[1] for p in points], linewidth=1)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)
    return out_path
