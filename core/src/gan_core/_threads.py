"""How torch's CPU threads behave when other processes want the cores too.

Why: torch's OpenMP threads wait for each other at the end of every parallel region, spinning (GNU
OpenMP's default: 300,000 spins before they sleep). With two threads on two cores and one other busy
process, one of the two is always waiting for a core that the other process holds, and every
operation waits with it: the default mnist-5k training ran at 0.31 of its alone-speed beside one busy
loop (docs/benchmarks.md, "Busy machines").

So by default (``train.adaptive_threads = true``) the trainer re-reads the kernel's CPU accounting
every two seconds and computes with the cores that the other processes leave free: one, on two cores
with one busy neighbour; torch's own count again once the neighbour is gone. Measured: 0.81 of the
alone-speed when busy, and the alone-speed unchanged. The alternative that keeps the thread count
fixed, short OpenMP waits (``GOMP_SPINCOUNT=3000``), reached only 0.49 when busy, so it is not used.

The price: on the CPU a different thread count can change the last bits of a float sum, so a run is
bit-reproducible only where its thread count is (a quiet machine, or a fixed count).
``train.adaptive_threads = false`` keeps torch's count, ``train.threads = N`` (or ``OMP_NUM_THREADS``)
fixes one. The load is read from Linux's ``/proc/stat``, for the cores this process may run on;
elsewhere torch's count is kept.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["ThreadGovernor", "choose_threads"]

_STAT = Path("/proc/stat")
_THREAD_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
_SAMPLE_S = 0.1  # the first measurement, before anything runs: 10 kernel ticks per core
_EVERY_S = 2.0  # then every this many seconds of training


def _torch():  # type: ignore[no-untyped-def]
    """torch, imported when a count is set (the registry's modules import this one, and must not
    import torch)."""
    import torch

    return torch


def _busy_seconds(cores: frozenset[int]) -> float | None:
    """CPU seconds spent busy (anything but idle and iowait) on ``cores`` since boot; None where
    ``/proc/stat`` cannot be read."""
    try:
        lines = _STAT.read_text().splitlines()
    except OSError:
        return None
    ticks = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in cores:
            continue
        fields = [int(field) for field in rest.split()]
        # user nice system idle iowait irq softirq steal (guest time is inside user already)
        ticks += sum(fields[:8]) - fields[3] - fields[4]
    return ticks / os.sysconf("SC_CLK_TCK")


def _local_processes() -> int:
    """Processes of this run on this machine (a launcher sets LOCAL_WORLD_SIZE): they share the cores."""
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        return 1


class ThreadGovernor:
    """Sets ``torch.set_num_threads``: to ``threads`` if given (> 0); with ``adaptive`` (and no thread
    count in the environment) to the free cores, re-measured by :meth:`tick` every ``every_s``
    seconds; else it leaves torch's count alone."""

    def __init__(self, threads: int = 0, *, adaptive: bool = True, every_s: float = _EVERY_S) -> None:
        self._fixed = threads if threads > 0 else None
        self._auto = adaptive and self._fixed is None and not any(os.environ.get(name) for name in _THREAD_ENVIRONMENT)
        self._every_s = every_s
        self._ceiling = _torch().get_num_threads()
        try:
            self._cores = frozenset(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            self._cores = frozenset()
        self._last: tuple[float, float, float] | None = None

    @property
    def adaptive(self) -> bool:
        """Whether the thread count follows the load (no thread count given, and it can be measured)."""
        return self._auto and _busy_seconds(self._cores) is not None

    def start(self) -> int:
        """Set the first thread count (measuring the load for ``_SAMPLE_S`` seconds when adaptive) and return it."""
        if self._fixed is not None:
            _torch().set_num_threads(self._fixed)
            return self._fixed
        if not self.adaptive:
            return _torch().get_num_threads()
        self._last = self._snapshot()
        time.sleep(_SAMPLE_S)
        self._decide()
        return _torch().get_num_threads()

    def tick(self) -> None:
        """Cheap enough for every step: re-decides only when ``every_s`` seconds have passed."""
        if self._last is not None and time.perf_counter() - self._last[0] >= self._every_s:
            self._decide()

    def _snapshot(self) -> tuple[float, float, float]:
        return time.perf_counter(), _busy_seconds(self._cores) or 0.0, time.process_time()

    def _decide(self) -> None:
        assert self._last is not None
        then, busy_then, own_then = self._last
        now, busy, own = self._last = self._snapshot()
        wall = now - then
        if wall <= 0:
            return
        others = max(0.0, (busy - busy_then) - (own - own_then)) / wall  # cores other processes kept busy
        free = (len(self._cores) - others) / _local_processes()
        threads = max(1, min(self._ceiling, int(free + 0.5)))
        if threads != _torch().get_num_threads():
            _torch().set_num_threads(threads)


def choose_threads(threads: int = 0, *, adaptive: bool = True) -> int:
    """For a command that runs briefly (sampling, evaluation): the count once (one measurement of the
    load when ``adaptive``); returns it."""
    return ThreadGovernor(threads, adaptive=adaptive).start()
