"""The benchmark scripts' shared process handling: a worker must not outlive a killed benchmark, or it
keeps training on the cores the next run is timed on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from benchmark_scripts import BENCHMARKS, load_benchmark

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (dead, not yet reaped by its parent) still answers signal 0
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def _wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_worker_ends_when_the_benchmark_that_started_it_is_killed(tmp_path: Path) -> None:
    (tmp_path / "sleeper.py").write_text(
        textwrap.dedent(
            """
            import os, time
            from pathlib import Path

            def record_and_sleep(path: str) -> None:
                Path(path).write_text(str(os.getpid()))
                time.sleep(120)
            """
        )
    )
    pid_file = tmp_path / "worker.pid"
    script = "import _common, sleeper, sys\n_common.in_own_process(sleeper.record_and_sleep, sys.argv[1])\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCHMARKS), str(tmp_path)]), "OMP_NUM_THREADS": "1"}
    parent = subprocess.Popen([sys.executable, "-c", script, str(pid_file)], env=env)
    try:
        assert _wait_until(lambda: pid_file.exists() and pid_file.read_text(), 60), "the worker never started"
        worker = int(pid_file.read_text())
        assert _alive(worker)
        os.kill(parent.pid, signal.SIGKILL)  # as a killed benchmark dies: no chance to clean up
        parent.wait(10)
        assert _wait_until(lambda: not _alive(worker), 10), "the worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        if pid_file.exists() and pid_file.read_text() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_report_keeps_every_dot_of_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out results/gamma0.1`` once wrote ``gamma0.json`` (``Path.with_suffix`` read ``.1`` as a suffix)."""
    common = load_benchmark("_common", monkeypatch)
    assert common.report_path(Path("r/gamma0.1"), ".json") == Path("r/gamma0.1.json")
    assert common.report_path(Path("r/gamma0.1"), ".md") == Path("r/gamma0.1.md")
    assert common.report_path(Path("r/plain"), ".md") == Path("r/plain.md")
    assert common.report_path(Path("r/named.json"), ".md") == Path("r/named.md")  # an ending given is swapped
