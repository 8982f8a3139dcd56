"""Reading scalars for people: the number format of the progress bar and the loss-curve plot."""

from __future__ import annotations

from pathlib import Path

from gan_core._rundir import read_jsonl


def format_scalar(value: float) -> str:
    """A scalar for people to read: four significant digits, whatever its scale.

    A fixed number of decimals hides small values: a learning rate of 1e-4 would read ``0.000``.
    """
    return f"{value:.4g}"


def plot_losses(log_path: Path, out_path: Path) -> Path | None:
    """One panel per scalar against the step; ``None`` when nothing has been logged yet."""
    records = read_jsonl(log_path)
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
