"""Reading scalars for people: the number format, progress for a file or CI log, the loss-curve plot."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from gan_core._probes import PROBE_PREFIX
from gan_core._rundir import read_jsonl


def format_scalar(value: float) -> str:
    """A scalar for people to read: four significant digits, whatever its scale.

    A fixed number of decimals hides small values: a learning rate of 1e-4 would read ``0.000``.
    """
    return f"{value:.4g}"


class PlainProgress:
    """Progress as whole lines, for output that is not a terminal (a file, a pipe, a CI log).

    A bar redraws itself with carriage returns, which a log keeps as one multi-kilobyte line. This
    prints a line at every tenth of the run and at least once a minute, and at the end; it offers
    the part of tqdm's interface the trainer uses.
    """

    def __init__(
        self, total: int, initial: int, desc: str, stream: TextIO | None = None, every_s: float = 60.0
    ) -> None:
        self.total, self.n, self.desc = total, initial, desc
        self._stream = stream or sys.stderr
        self._every_s = every_s
        self._start, self._start_n = time.perf_counter(), initial
        self._last_time = self._start
        self._next_tenth = self._tenth_after(initial)
        self._postfix: Mapping[str, str] = {}

    def _tenth_after(self, step: int) -> int:
        tenth = max(1, self.total // 10)
        return (step // tenth + 1) * tenth

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if self.n >= self._next_tenth or now - self._last_time >= self._every_s or self.n == self.total:
            self._line(now)

    def set_postfix(self, postfix: Mapping[str, str], refresh: bool = False) -> None:
        self._postfix = dict(postfix)

    def _line(self, now: float) -> None:
        rate = (self.n - self._start_n) / max(now - self._start, 1e-9)
        scalars = "".join(f" {name} {value}" for name, value in self._postfix.items())
        percent = 100 * self.n // max(self.total, 1)
        self._stream.write(f"{self.desc}: step {self.n}/{self.total} ({percent}%) {rate:.3g} steps/s{scalars}\n")
        self._stream.flush()
        self._last_time = now
        self._next_tenth = self._tenth_after(self.n)

    def close(self) -> None:
        pass


_NOT_SCALARS = {"step", "elapsed_s"}
_EVENT_COLOURS = {
    "divergence": "tab:red",
    "vanishing_gradient": "tab:purple",
    "discriminator_overpowering": "tab:orange",
    "mode_collapse": "tab:brown",
    "oscillation": "tab:cyan",
}


def scalar_names(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every numeric field that some log line carries, sorted (events and bookkeeping left out)."""
    return sorted(
        {
            k
            for r in records
            if "event" not in r
            for k, v in r.items()
            if k not in _NOT_SCALARS and isinstance(v, float | int) and not isinstance(v, bool)
        }
    )


def plot_series(
    records: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    out_path: Path,
    events: Sequence[Mapping[str, Any]] = (),
) -> Path | None:
    """One panel per field against the step, with a dashed line at each event's step (one colour per
    event name); ``None`` when there is nothing to draw."""
    if not records or not names:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names)), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        points = [(r["step"], r[name]) for r in records if name in r and "step" in r]
        ax.plot([p[0] for p in points], [p[1] for p in points], linewidth=1)
        for event in events:
            colour = _EVENT_COLOURS.get(str(event["event"]), "tab:gray")
            ax.axvline(event["step"], color=colour, linestyle="--", linewidth=1, label=event["event"])
        ax.set_ylabel(name.removeprefix(PROBE_PREFIX), fontsize=8)
        ax.grid(alpha=0.3)
    if events:
        handles, labels = axes[0, 0].get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        axes[0, 0].legend(unique.values(), unique.keys(), fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)
    return out_path


def plot_losses(log_path: Path, out_path: Path) -> Path | None:
    """One panel per scalar against the step (probes left out: ``gan report`` draws those); ``None``
    when nothing has been logged yet."""
    records = read_jsonl(log_path)
    names = [name for name in scalar_names(records) if not name.startswith(PROBE_PREFIX)]
    return plot_series(records, names, out_path)
