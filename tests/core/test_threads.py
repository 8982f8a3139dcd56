"""The thread governor: the user's count wins, and the automatic count follows the other processes' load."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import torch

from gan_core import _threads
from gan_core._threads import ThreadGovernor, choose_threads

linux_only = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="the load is read from Linux's /proc/stat")


@pytest.fixture(autouse=True)
def _restore_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_a_given_count_is_used_as_it_is() -> None:
    assert choose_threads(1) == 1 and torch.get_num_threads() == 1
    governor = ThreadGovernor(3)
    assert not governor.adaptive
    assert governor.start() == 3


def test_not_adaptive_the_count_is_torchs_whatever_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """adaptive_threads = false: a seeded run gives the same bits on a quiet and on a busy machine."""
    torch.set_num_threads(2)
    _fake_load(monkeypatch, 1.0, 2)
    governor = ThreadGovernor(adaptive=False)
    assert not governor.adaptive
    assert governor.start() == 2


def test_the_environment_fixes_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    governor = ThreadGovernor(adaptive=True)
    assert not governor.adaptive
    assert governor.start() == 1


@linux_only
def test_busy_seconds_counts_only_the_allowed_cores() -> None:
    cores = frozenset(os.sched_getaffinity(0))
    every = _threads._busy_seconds(cores)
    assert every is not None and every > 0
    assert _threads._busy_seconds(frozenset()) == 0


def _fake_load(monkeypatch: pytest.MonkeyPatch, others: float, cores: int) -> None:
    """/proc/stat as if other processes kept ``others`` cores busy (and this one none)."""
    started = time.perf_counter()
    monkeypatch.setattr(_threads, "_busy_seconds", lambda _: (time.perf_counter() - started) * others)
    monkeypatch.setattr(_threads.time, "process_time", lambda: 0.0)
    monkeypatch.setattr(_threads.os, "sched_getaffinity", lambda _: set(range(cores)), raising=False)


@pytest.mark.parametrize(("others", "cores", "ceiling", "expected"), [
    (0.0, 2, 2, 2),   # alone: torch's own default
    (0.1, 2, 2, 2),   # noise
    (1.0, 2, 2, 1),   # one competitor on two cores: one thread
    (0.7, 2, 2, 1),   # a competitor squeezed by our spinning threads still counts
    (2.0, 2, 2, 1),   # never fewer than one
    (1.0, 8, 4, 4),   # never more than torch's default
    (3.0, 8, 8, 5),
])  # fmt: skip
def test_the_automatic_count_is_the_free_cores(
    monkeypatch: pytest.MonkeyPatch, others: float, cores: int, ceiling: int, expected: int
) -> None:
    torch.set_num_threads(ceiling)
    _fake_load(monkeypatch, others, cores)
    governor = ThreadGovernor(adaptive=True)
    assert governor.adaptive
    assert governor.start() == expected


def test_processes_of_one_run_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.set_num_threads(8)
    _fake_load(monkeypatch, 0.0, 8)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert ThreadGovernor(adaptive=True).start() == 2


def test_tick_re_decides_only_after_its_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.set_num_threads(2)
    _fake_load(monkeypatch, 0.0, 2)
    governor = ThreadGovernor(adaptive=True, every_s=0.05)
    assert governor.start() == 2
    _fake_load(monkeypatch, 1.0, 2)  # a competitor arrives
    governor.tick()
    assert torch.get_num_threads() == 2  # too soon to look again
    time.sleep(0.06)
    governor.tick()
    assert torch.get_num_threads() == 1


@linux_only
def test_a_real_competitor_takes_a_thread_away() -> None:
    """Only meaningful where torch would use two or more threads on an otherwise quiet machine."""
    if len(os.sched_getaffinity(0)) != 2 or torch.get_num_threads() != 2:
        pytest.skip("sized for two cores")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        time.sleep(0.3)
        assert choose_threads(adaptive=True) == 1
    finally:
        for process in busy:
            process.kill()
