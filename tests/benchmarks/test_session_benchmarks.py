"""The start-up, busy-machine, probe-cost and failure-mode benchmarks end to end, on short settings.

They run as users run them (``python benchmarks/X.py``), through the installed ``gan`` command. The
figures are meaningless at this length except one: ``gan --help`` must stay under half of
``import torch`` (issue 16's bar; about a twelfth on two cores), which no noise comes close to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

pytest.importorskip("gan_plugin_vanilla")


def _run(script: str, *argv: str, out: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *argv, "--json", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(out.read_text())
    return report


def test_the_command_line_answers_in_under_half_an_import_of_torch(tmp_path: Path) -> None:
    report = _run("cli_startup.py", "--rounds", "2", out=tmp_path / "cli.json")
    commands = report["commands"]
    assert isinstance(commands, dict)
    assert set(commands) == {"import torch", "gan --help", "gan plugins", "gan train --help"}
    for name in ("gan --help", "gan plugins"):
        assert commands[name]["share_of_import_torch"] < 0.5, commands[name]


def test_busy_machine_measures_each_policy_alone_and_busy(tmp_path: Path) -> None:
    argv = ["--dataset", "ring8", "--steps", "60", "--rounds", "1", "--policies", "default", "one"]
    report = _run("busy_machine.py", *argv, out=tmp_path / "busy.json")
    speeds = report["steps_per_second"]
    assert isinstance(speeds, dict) and set(speeds) == {"default", "one"}
    assert all(speeds[p]["alone"]["median"] > 0 and speeds[p]["busy"]["median"] > 0 for p in speeds)


def test_probe_cost_compares_probes_on_and_off(tmp_path: Path) -> None:
    # two rounds: each run gets its own directory (the second round once met the first's run there)
    report = _run("probe_cost.py", "--variants", "vanilla", "--steps", "40", "--rounds", "2", out=tmp_path / "p.json")
    row = report["results"]["vanilla"]  # type: ignore[index]
    assert len(row["runs"]["on"]) == len(row["runs"]["off"]) == 2
    assert all(r["logged_s"] > 0 and r["plain_s"] > 0 for r in row["runs"]["on"] + row["runs"]["off"])
    assert row["cost_per_step_at_log_every_10"] == pytest.approx(row["cost_per_probed_step"] / 10)


def test_the_dirac_recipes_fire_as_documented(tmp_path: Path) -> None:
    report = _run("failure_modes.py", "--match", "dirac", "--out", str(tmp_path / "runs"), out=tmp_path / "fm.json")
    rows = report["rows"]
    assert isinstance(rows, list) and len(rows) == 2
    assert [r["expected"] for r in rows] == ["oscillation", None]
    assert all(r["as_expected"] for r in rows), rows
    # re-scored from the logs alone, the same events
    replayed = _run("failure_modes.py", "--match", "dirac", "--replay", str(tmp_path / "runs"), out=tmp_path / "r.json")
    assert [r["events"] for r in replayed["rows"]] == [r["events"] for r in rows]  # type: ignore[index]
