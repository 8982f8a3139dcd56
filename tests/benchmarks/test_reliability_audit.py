"""The reliability audit (issue 15) in its short form, and its classifier on made-up outcomes.

``--quick`` drives the real ``gan`` command: 3 SIGKILLs over a 60-step ring8 run (one aimed at a
checkpoint write) compared bit for bit with the uninterrupted run; four damages (generator.safetensors
flipped; a pickle payload in optimizer-generator.safetensors with a matching manifest; a payload in an
old-style checkpoint's custom_checkpoint_0.pkl; a garbage config.toml) under ``gan sample`` and
``gan train --resume`` (no ``gan eval``: it needs an image run); three bad inputs (seed=4294967296,
model.lr=inf, --config a folder). About a minute and a half on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

pytest.importorskip("gan_plugin_vanilla")


def test_the_quick_audit_finds_nothing_lost_and_nothing_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("reliability_audit", monkeypatch)
    out = tmp_path / "reliability"
    code = bench.main(["--quick", "--work", str(tmp_path / "work"), "--out", str(out)])
    record = json.loads(out.with_suffix(".json").read_text())
    summary = record["summary"]

    soak = record["soak"]
    assert soak["identical"], soak.get("differing_tensors") or soak.get("error")
    assert soak["kills"] == 3 and soak["weights_identical"] and soak["log_identical"] and soak["log_steps_once"]
    assert soak["kills_during_checkpoint_writes"] >= 1  # the kill aimed at a write saw one
    assert not soak["failed_resumes"]

    rows = record["damage"]["rows"]
    assert {row["damage"] for row in rows} == set(bench.QUICK_DAMAGES)
    assert summary["damage_cells"] == 2 * len(bench.QUICK_DAMAGES)
    assert summary["damage"]["silent"] == summary["damage"]["traceback"] == summary["payload_ran"] == 0
    outcomes = {row["damage"]: {c: cell["outcome"] for c, cell in row["cells"].items()} for row in rows}
    assert outcomes["generator.safetensors: one byte flipped"] == {"sample": "fell back", "resume": "fell back"}
    assert outcomes["old-style checkpoint: payload in custom_checkpoint_0.pkl"]["resume"] == "clean"
    assert summary["bad_inputs"]["clean"] == len(bench.QUICK_INPUTS)

    assert record["problems"] == [] and code == 0
    table = out.with_suffix(".md").read_text()
    assert "## Kill -9 soak" in table and "## Damage matrix" in table and "## Bad inputs" in table
    assert "**Summary:**" in table and "0 silent, 0 traceback" in table


def test_the_damage_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    classify = load_benchmark("reliability_audit", monkeypatch).classify_damage
    one_line = "gan sample: error: RUN_DIR: no intact checkpoint\n"
    fallback = "gan: warning: checkpoint step_00000600 is damaged (x); using step_00000550\n"
    assert classify(2, one_line, False) == "clean"
    assert classify(2, fallback + one_line, False, "step_00000600") == "clean"  # warnings aside, one line
    assert classify(2, one_line + "and more\n", False) == "other"
    assert classify(0, fallback, False, "step_00000600") == "fell back"
    assert classify(0, "", True, "step_00000600") == "unaffected"
    assert classify(0, "", False, "step_00000600") == "silent"  # exit 0, no warning, another output
    assert classify(0, "gan: warning: something else\n", False, "step_00000600") == "warned"
    assert classify(0, fallback, False, None) == "warned"  # names a checkpoint, but none was damaged
    assert classify(1, "Traceback (most recent call last):\n  ...\nValueError: x\n", False) == "traceback"
    assert classify(2, "Traceback (most recent call last):\nSystemExit\n", False) == "traceback"
    assert classify(0, "Traceback (most recent call last):\n", True) == "traceback"
    assert classify(3, "gan train: error: diverged\n", False) == "traceback"  # any other non-zero exit
    assert classify(None, "", False) == "timeout"


def test_the_input_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    classify = load_benchmark("reliability_audit", monkeypatch).classify_input
    assert classify(2, "gan train: error: model.lr: must be a finite number, got inf\n") == "clean"
    assert classify(2, "usage: gan train ...\ngan train: error: x\n") == "other"
    assert classify(1, "Traceback (most recent call last):\nMemoryError\n") == "traceback"
    assert classify(0, "") == "other"  # accepted: not refused
    assert classify(0, "gan: warning: left out 1 of 9 images\n", "warned") == "warned"
    assert classify(0, "gan: warning: left out 1 of 9 images\n") == "other"
    assert classify(-9, "") == "other"


def test_the_summary_and_the_exit_code_count_every_bad_row(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_benchmark("reliability_audit", monkeypatch)

    def cell(outcome: str, ran: bool = False) -> dict[str, object]:
        return {"outcome": outcome, "payload_ran": ran}

    record = {
        "soak": {"identical": True},
        "damage": {
            "rows": [
                {"damage": "a", "cells": {"sample": cell("fell back"), "resume": cell("silent")}},
                {"damage": "b", "cells": {"sample": cell("unaffected", ran=True), "resume": cell("clean")}},
            ]
        },
        "bad_inputs": [
            {"input": "x", "expect": "clean", "outcome": "clean"},
            {"input": "y", "expect": "clean", "outcome": "traceback"},
            {"input": "z", "expect": "clean", "outcome": "skipped"},
        ],
    }
    summary = bench.summary(record)
    assert summary["damage"]["silent"] == 1 and summary["damage"]["fell back"] == 1 and summary["payload_ran"] == 1
    assert summary["bad_inputs"]["traceback"] == 1 and summary["bad_inputs"]["skipped"] == 1
    assert bench.problems(record) == [
        "damage 'a' / resume: silent",
        "damage 'b' / sample: unaffected (payload ran)",
        "bad input 'y': traceback",
    ]
    record["soak"] = {"identical": False}
    assert bench.problems(record)[0].startswith("soak: not identical")


def test_kill_plan_spreads_the_kills(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    plan = load_benchmark("reliability_audit", monkeypatch).kill_plan(random.Random(0), 20, 600)
    kinds = [kill["kind"] for kill in plan]
    assert len(plan) == 20 and kinds.count("checkpoint-write") == 7 and kinds.count("startup") == 2
    steps = [kill["step"] for kill in plan if kill["kind"] == "training"]
    assert steps == sorted(steps) and all(0 < step < 600 for step in steps)
