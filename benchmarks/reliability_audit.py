"""Reliability audit of the ``gan`` command: kill -9 soak, a damage matrix over a run directory, bad inputs.

The evidence for issue 15 ("Nothing lost, nothing run"). Every command is the real ``gan`` in a
process of its own (the ``gan`` script beside ``sys.executable``), with ``OMP_NUM_THREADS=1`` and
``GAN_PLUGINS`` limited to the plugins the command needs (start-up is most of a short command's time).

1. **Soak.** An uninterrupted reference run (vanilla on ring8), then the same run killed with SIGKILL
   ``--kills`` times and resumed with ``--resume`` after each kill. About a third of the kills are
   aimed at checkpoint writes (the checkpoints folder is polled for a fresh ``.tmp-*`` folder, and
   the kill follows 0-30 ms after it appears), about a tenth at start-up (0.2-4 s after launch), the
   rest at random training steps spread over the run (a kill after the log shows the step, plus up to
   one log period). A resume refused because the killed start had written nothing
   ("leave out --resume") is followed by a start without ``--resume``, as the message advises.
   At the end every tensor of the final ``generator.safetensors`` and ``discriminator.safetensors``
   must equal the reference's bit for bit, and ``log.jsonl`` must log every step once, with the
   reference's values (``elapsed_s`` aside).
2. **Damage matrix.** A copy of a finished run (two kept checkpoints) per damage and command:
   each file of the newest checkpoint flipped in one byte, cut to half, deleted; ``config.toml``
   garbage or edited to another layer width; ``log.jsonl`` garbage or cut short; the run's
   ``data.json`` garbled or with a wrong ``value_range``; a pickle payload planted in each file of the
   newest checkpoint with the manifest rewritten to match; a payload planted in each pickled file
   of an old-style (Accelerate) checkpoint. Commands: ``gan sample``, ``gan train --resume`` (on the
   ring8 run) and ``gan eval`` (on a short mnist-5k run, since the metrics take images; only when
   gan-plugin-metrics is installed). Each outcome is ``clean`` (exit 2, one line besides
   ``gan: warning:`` lines), ``fell back`` (exit 0, a warning naming the damaged checkpoint),
   ``unaffected`` (exit 0, the same output as on the undamaged run: the command does not read that
   file), ``silent`` (exit 0, no warning, another output), ``traceback`` (a traceback, or another
   non-zero exit), ``other`` (exit 2 in more than one line), and separately ``payload ran``.
3. **Bad inputs.** Each must end in exit 2 with one line (``clean``); ``traceback`` or ``other``
   otherwise (a corrupt image with ``train.bad_images=skip`` must instead train, with one warning).

The script exits 1 if any damage outcome is not clean / fell back / unaffected, a payload ran, a bad
input is not handled as expected, or the soak is not identical; 0 otherwise.

``--quick`` (what CI and tests/benchmarks/test_reliability_audit.py run, about a minute and a half
on two cores): 3 kills over 60 steps (one aimed at a checkpoint write); the damage matrix on four
damages, one of each kind of outcome (generator.safetensors flipped: fell back; a payload in
optimizer-generator.safetensors with a matching manifest, and one in an old-style checkpoint's
custom_checkpoint_0.pkl: unaffected / clean, nothing runs; a garbage config.toml: clean) under
``sample`` and ``--resume`` only; three bad inputs (``seed=4294967296``, ``model.lr=inf``,
``--config`` a folder). The full form takes about half an hour on two cores (``--jobs 2`` halves the
damage matrix and the bad inputs when the machine is otherwise idle).

Run from the repository root::

    python benchmarks/reliability_audit.py --out benchmarks/results/reliability    # the full form
    python benchmarks/reliability_audit.py --quick --out /tmp/reliability
    python benchmarks/reliability_audit.py --parts soak --kills 40 --seed 1 --out /tmp/soak
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import machine, write_report_files

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "reliability"
PARTS = ("soak", "damage", "bad")
#: damage outcomes that are not bugs
GOOD = ("clean", "fell back", "unaffected")
WARNING = "gan: warning:"
TRACEBACK = "Traceback (most recent call last)"
COMMAND_TIMEOUT_S = 300  # a command that takes longer is stopped and counted as a timeout (a hang)
#: the run every image-needing command reads (gan eval): short, two kept checkpoints
IMAGE_STEPS, IMAGE_EVERY = 20, 10
QUICK_DAMAGES = (
    "generator.safetensors: one byte flipped",
    "optimizer-generator.safetensors: pickle payload, manifest rewritten",
    "old-style checkpoint: payload in custom_checkpoint_0.pkl",
    "config.toml: garbage",
)
#: what an old-style checkpoint does not hold (it has Accelerate's files instead)
LEGACY_GONE = (
    "optimizer-generator.safetensors",
    "optimizer-discriminator.safetensors",
    "progress.json",
    "data.json",
    "rng-0.safetensors",
    "discriminator.safetensors",
    "MANIFEST.json",
)
QUICK_INPUTS = ("--set seed=4294967296", "--set model.lr=inf", "--config a folder")


# --- running gan -----------------------------------------------------------------------------


@dataclass
class Result:
    """One finished ``gan`` command."""

    command: str  # as a user would type it, the work folder written $W
    code: int | None  # None: it ran past its time limit
    stdout: str
    stderr: str
    wall_s: float
    killed: bool = False

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.lines if line.startswith(WARNING)]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if not line.startswith(WARNING)]

    def record(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit": self.code,
            "killed": self.killed,
            "stderr_head": self.lines[:6],
            "wall_s": round(self.wall_s, 2),
            # the end of a traceback, or of the stacks a hung command printed when stopped
            **({"stderr_tail": self.lines[6:][-40:]} if len(self.lines) > 6 else {}),
        }


class Gan:
    """Runs ``gan`` in subprocesses (cwd: the work folder) and shows each command line."""

    def __init__(self, work: Path) -> None:
        self.work = work
        python = Path(sys.executable).absolute()  # the commands run in the work folder
        script = python.with_name("gan")
        self.prefix = [str(script)] if script.is_file() else [str(python), "-m", "gan_core.cli"]

    def env(self, plugins: str) -> dict[str, str]:
        # PYTHONFAULTHANDLER: a command that hangs is sent SIGABRT and prints where each thread was
        threads = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}
        return {**os.environ, **threads, "GAN_PLUGINS": plugins}

    def show(self, args: Sequence[Any], plugins: str) -> str:
        return f"GAN_PLUGINS={plugins} {shlex.join(['gan', *map(str, args)])}".replace(str(self.work), "$W")

    def run(
        self, args: Sequence[Any], plugins: str = "vanilla", timeout: float = COMMAND_TIMEOUT_S, nobody: bool = False
    ) -> Result:
        """Run to the end; ``nobody``: as the unprivileged user 65534 (root ignores permissions)."""
        started = time.perf_counter()
        user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if nobody else []
        process = subprocess.Popen(
            [*user, *self.prefix, *map(str, args)],
            env=self.env(plugins),
            cwd=self.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            out, err = _stop(process)
            code = None
        text = self.hide(_text(out)), self.hide(_text(err))
        return Result(self.show(args, plugins), code, *text, time.perf_counter() - started)

    def hide(self, text: str) -> str:
        """``text`` with the work folder written ``$W``, as the command lines show it."""
        return text.replace(str(self.work), "$W")

    def collect(
        self, process: subprocess.Popen[bytes], command: str, logs: Path, started: float, killed: bool
    ) -> Result:
        code = process.wait()
        out = logs.with_suffix(".out").read_text(errors="replace")
        err = logs.with_suffix(".err").read_text(errors="replace")
        return Result(command, code, self.hide(out), self.hide(err), time.perf_counter() - started, killed)

    def start(self, args: Sequence[Any], plugins: str, logs: Path) -> tuple[subprocess.Popen[bytes], str]:
        """Launch without waiting, in a session of its own (killed as a group), output to ``logs``.*"""
        with logs.with_suffix(".out").open("wb") as out, logs.with_suffix(".err").open("wb") as err:
            process = subprocess.Popen(
                [*self.prefix, *map(str, args)],
                env=self.env(plugins),
                cwd=self.work,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        return process, self.show(args, plugins)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode(errors="replace")


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _stop(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Stop a command that ran past its time: SIGABRT first (its faulthandler prints every thread's
    stack to stderr), then SIGKILL; return what it printed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGABRT)
    try:
        return process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        _kill(process)
        return process.communicate()


def installed(distribution: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


# --- classifying outcomes --------------------------------------------------------------------


def classify_damage(code: int | None, stderr: str, same_output: bool, damaged: str | None = None) -> str:
    """The outcome of one command on a damaged run (see the module's docstring); ``damaged`` is the
    damaged checkpoint's folder name, which a fallback's warning must name."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith(WARNING)]
    warned = [line for line in lines if line.startswith(WARNING)]
    if code is None:
        return "timeout"
    if TRACEBACK in stderr:
        return "traceback"
    if code == 2:
        return "clean" if len(errors) == 1 else "other"
    if code != 0:
        return "traceback"
    if damaged is not None and any(damaged in line for line in warned):
        return "fell back"
    if same_output:
        return "unaffected"
    return "warned" if warned else "silent"


def classify_input(code: int | None, stderr: str, expect: str = "clean") -> str:
    """``clean`` (exit 2, one line besides warnings), ``warned`` (exit 0 and a ``gan: warning:``, where
    that is what the input calls for), ``traceback``, or ``other``."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith(WARNING)]
    if code is None:
        return "timeout"
    if TRACEBACK in stderr:
        return "traceback"
    if code == 2 and len(errors) == 1:
        return "clean"
    if code == 0 and expect == "warned" and any(line.startswith(WARNING) for line in lines):
        return "warned"
    return "other"


# --- comparing outputs -----------------------------------------------------------------------


def tensors(path: Path) -> dict[str, tuple[str, tuple[int, ...], bytes]] | None:
    """Every tensor of a safetensors file as (dtype, shape, raw bytes): equal means bit for bit."""
    from safetensors.numpy import load_file

    try:
        return {name: (str(a.dtype), a.shape, a.tobytes()) for name, a in load_file(str(path)).items()}
    except Exception:
        return None


def final_weights(run: Path, step: int) -> dict[str, Any] | None:
    checkpoint = run / "checkpoints" / f"step_{step:08d}"
    found = {role: tensors(checkpoint / f"{role}.safetensors") for role in ("generator", "discriminator")}
    return None if any(value is None for value in found.values()) else found


def differing(ours: Mapping[str, Any] | None, theirs: Mapping[str, Any] | None) -> list[str]:
    """The tensors (``role/name``) that differ, or ``["missing"]``."""
    if ours is None or theirs is None:
        return ["missing"]
    names = []
    for role in sorted(set(ours) | set(theirs)):
        a, b = ours.get(role) or {}, theirs.get(role) or {}
        names += [f"{role}/{name}" for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    return names


def log_rows(run: Path) -> tuple[list[dict[str, Any]], int]:
    """The log's step records (``elapsed_s`` dropped) and the number of event records."""
    rows, events = [], 0
    path = run / "log.jsonl"
    if not path.is_file():
        return [], 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        if "event" in record:
            events += 1
        else:
            rows.append({k: v for k, v in record.items() if k != "elapsed_s"})
    return rows, events


def read_samples(path: Path) -> Any:
    import numpy as np

    try:
        return np.load(path)
    except Exception:
        return None


def same_array(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def read_metrics(run: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((run / "metrics.json").read_text())
        return {"checkpoint": record["checkpoint"], "metrics": record["metrics"]}
    except Exception:
        return None


# --- part 1: the soak ------------------------------------------------------------------------


def soak_args(steps: int, every: int, dataset: str = "ring8") -> list[Any]:
    return [
        "train",
        "vanilla",
        "--dataset",
        dataset,
        "--steps",
        steps,
        "--seed",
        "0",
        "--set",
        f"train.checkpoint_every={every}",
        "--set",
        "train.progress=false",
    ]


def kill_plan(rng: random.Random, kills: int, steps: int) -> list[dict[str, Any]]:
    """A third of the kills aimed at checkpoint writes, a tenth at start-up, the rest at training steps
    spread over the run in increasing order."""
    writes, startups = round(kills / 3), kills // 10
    kinds = ["checkpoint-write"] * writes + ["startup"] * startups + ["training"] * (kills - writes - startups)
    rng.shuffle(kinds)
    targets = sorted(rng.randint(1, steps - 1) for _ in range(kinds.count("training")))
    plan: list[dict[str, Any]] = []
    for kind in kinds:
        if kind == "training":
            plan.append({"kind": kind, "step": targets.pop(0)})
        elif kind == "startup":
            plan.append({"kind": kind, "delay_s": round(rng.uniform(0.2, 4.0), 3)})
        else:
            plan.append({"kind": kind})
    return plan


def _fresh_writes(checkpoints: Path, since_ns: int) -> list[str]:
    """Temporary checkpoint folders made after ``since_ns`` (a killed write leaves its own behind)."""
    try:
        names = [n for n in os.listdir(checkpoints) if n.startswith(".tmp-")]
    except OSError:
        return []
    fresh = []
    for name in names:
        try:
            if os.stat(checkpoints / name).st_ctime_ns >= since_ns:
                fresh.append(name)
        except OSError:
            continue
    return fresh


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _logged_step(log: Path, old_inode: int | None) -> int:
    """The last step this segment logged: the log is rewritten (a new inode) when a resume starts."""
    if old_inode is not None and _inode(log) in (old_inode, None):
        return -1
    rows, _ = log_rows(log.parent)
    return max((int(r.get("step", -1)) for r in rows), default=-1)


def _checkpoint_steps(run: Path) -> list[int]:
    folder = run / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(int(p.name[5:]) for p in folder.iterdir() if p.name.startswith("step_") and p.name[5:].isdigit())


def _segment(
    gan: Gan, args: list[Any], run: Path, logs: Path, kill: Mapping[str, Any], rng: random.Random, jitter_s: float
) -> dict[str, Any]:
    """Start one segment and kill it as ``kill`` says (unless it ends first)."""
    log_inode = _inode(run / "log.jsonl")
    since = time.time_ns()
    started = time.perf_counter()
    process, command = gan.start(args, "vanilla", logs)
    info: dict[str, Any] = {"kill": dict(kill), "seen_write": False, "at_step": None}
    fired = False
    while process.poll() is None:
        elapsed = time.perf_counter() - started
        if elapsed > COMMAND_TIMEOUT_S:
            info["timeout"] = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGABRT)  # faulthandler: the stacks go to its stderr
            time.sleep(5)
            fired = True
        elif kill["kind"] == "startup":
            fired = elapsed >= kill["delay_s"]
        elif kill["kind"] == "training":
            if _logged_step(run / "log.jsonl", log_inode) >= kill["step"]:
                time.sleep(rng.uniform(0, jitter_s))
                fired = True
        elif _fresh_writes(run / "checkpoints", since):
            info["seen_write"] = True
            time.sleep(rng.uniform(0, 0.03))
            fired = True
        if fired:
            _kill(process)
            break
        time.sleep(0.001 if kill["kind"] == "checkpoint-write" else 0.01)
    result = gan.collect(process, command, logs, started, killed=fired)
    info["partial_checkpoint_left"] = bool(_fresh_writes(run / "checkpoints", since))
    info["at_step"] = _logged_step(run / "log.jsonl", log_inode)
    info["checkpoints_after"] = _checkpoint_steps(run)
    info["result"] = result.record()
    info["_result"] = result
    return info


def soak(gan: Gan, work: Path, *, kills: int, steps: int, every: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    common = soak_args(steps, every)
    reference = work / "soak-reference"
    ref = gan.run([*common, "--out", reference])
    record: dict[str, Any] = {
        "steps": steps,
        "checkpoint_every": every,
        "kills_planned": kills,
        "seed": seed,
        "reference": ref.record(),
        "identical": False,
    }
    if ref.code != 0:
        record["error"] = "the reference run failed"
        return record
    ref_rows, _ = log_rows(reference)
    elapsed = [r for r in ref_rows if "step" in r]
    log_every = elapsed[1]["step"] - elapsed[0]["step"] if len(elapsed) > 1 else 10
    jitter_s = ref.wall_s / steps * log_every / 2  # start-up included: a generous step time
    plan = kill_plan(rng, kills, steps)
    record["plan"] = plan
    run = work / "soak"
    resume = ["train", "vanilla", "--resume", "--out", run, "--steps", steps]  # a resume takes no other flag
    segments: list[dict[str, Any]] = []
    fresh = True
    failures = 0
    pending = list(plan)
    index = 0
    while pending and failures < 3:
        args = [*common, "--out", run] if fresh else resume
        info = _segment(gan, args, run, work / f"soak-{index:02d}", pending[0], rng, jitter_s)
        index += 1
        result: Result = info.pop("_result")
        info["resumed"] = not fresh
        info["restart_notice"] = any("restarting from step 0" in line for line in result.warnings)
        segments.append(info)
        if result.killed and not info.get("timeout"):
            pending.pop(0)
            fresh = False
            continue
        if result.code == 0:  # finished before the kill: nothing left to kill
            info["finished_before_kill"] = True
            break
        if result.code == 2 and any("leave out --resume" in line for line in result.errors):
            info["advised_fresh_start"] = True  # the killed start wrote nothing; retry the same kill
            fresh = True
            continue
        failures += 1
        info["failed"] = True
    final = gan.run(resume)
    if final.code == 2 and any("leave out --resume" in line for line in final.errors):
        final = gan.run([*common, "--out", run])
    kill_rows = [s for s in segments if s["result"]["killed"]]
    wrong = differing(final_weights(run, steps), final_weights(reference, steps))
    rows, events = log_rows(run)
    log_steps = [r["step"] for r in rows]
    record.update(
        {
            "segments": segments,
            "final": final.record(),
            "final_restart_notice": any("restarting from step 0" in line for line in final.warnings),
            "kills": len(kill_rows),
            "kills_during_checkpoint_writes": sum(s["seen_write"] for s in kill_rows),
            "partial_checkpoints_left": sum(s["partial_checkpoint_left"] for s in kill_rows),
            "kills_before_first_checkpoint": sum(1 for s in kill_rows if not s["checkpoints_after"]),
            "restarts_from_step_0": sum(s["restart_notice"] for s in segments)
            + int(any("restarting from step 0" in line for line in final.warnings)),
            "fresh_starts_as_advised": sum(bool(s.get("advised_fresh_start")) for s in segments),
            "failed_resumes": [s["result"] for s in segments if s.get("failed")]
            + ([final.record()] if final.code != 0 else []),
            "differing_tensors": wrong,
            "weights_identical": not wrong,
            "log_steps_once": len(log_steps) == len(set(log_steps)),
            "log_identical": rows == ref_rows,
            "log_events": events,
        }
    )
    record["identical"] = bool(
        not wrong and record["log_identical"] and record["log_steps_once"] and final.code == 0 and not failures
    )
    return record


# --- part 2: the damage matrix ---------------------------------------------------------------


class Payload:
    """Unpickling this runs ``touch MARKER``: what a hostile run directory would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def plant(path: Path, marker: Path) -> None:
    """A live payload: in torch's format where torch.load would read the file, a bare pickle elsewhere."""
    if path.suffix in {".pkl", ".bin", ".pt"}:
        import torch

        torch.save({"state": Payload(marker)}, path)
    else:
        path.write_bytes(pickle.dumps(Payload(marker)))


def newest(run: Path) -> Path:
    return run / "checkpoints" / f"step_{_checkpoint_steps(run)[-1]:08d}"


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(seed: int) -> bytes:
    return b"\x89\xff\x00 not what it claims to be [[[ {" + random.Random(seed).randbytes(200)


def make_legacy(checkpoint: Path) -> None:
    """Rewrite a checkpoint in the layout of gan-core 0.1/0.2.0 (Accelerate's save_state, no manifest)."""
    import torch

    from gan_core._state_files import load_json, load_state

    progress = load_json(checkpoint / "progress.json")
    torch.save(
        {k: progress[k] for k in ("step", "batches", "extra", "d_updates")}, checkpoint / "custom_checkpoint_0.pkl"
    )
    for role, old in (("generator", "optimizer.bin"), ("discriminator", "optimizer_1.bin")):
        torch.save(load_state(checkpoint / f"optimizer-{role}.safetensors"), checkpoint / old)
    rng = load_state(checkpoint / "rng-0.safetensors")
    states = {"step": 0, "random_state": rng["python"], "numpy_random_seed": rng["numpy"]}
    torch.save({**states, "torch_manual_seed": rng["torch"]}, checkpoint / "random_states_0.pkl")
    shutil.copy(checkpoint / "generator.safetensors", checkpoint / "model.safetensors")
    shutil.copy(checkpoint / "discriminator.safetensors", checkpoint / "model_1.safetensors")
    for name in LEGACY_GONE:
        (checkpoint / name).unlink()


@dataclass
class Damage:
    name: str
    how: str  # what to do to a copy of the run, $RUN standing for the copy
    apply: Callable[[Path, Path], None]  # (run, payload marker)
    checkpoint: bool = True  # it damages the newest checkpoint (a fallback must name it)


def _edit_width(run: Path, _: Path) -> None:
    config = run / "config.toml"
    text, count = re.subn(r"g_hidden = \[[^\]]*\]", "g_hidden = [32, 32]", config.read_text())
    if not count:
        raise RuntimeError("config.toml has no g_hidden")
    config.write_text(text)


def _wrong_range(run: Path, _: Path) -> None:
    info = json.loads((run / "data.json").read_text())
    info["value_range"] = [0.0, 255.0]
    (run / "data.json").write_text(json.dumps(info))


def damages(files: Sequence[str]) -> list[Damage]:
    """Every damage, for a newest checkpoint holding ``files``."""
    found: list[Damage] = []
    where = "$RUN/checkpoints/<newest>"
    for name in files:
        found += [
            Damage(
                f"{name}: one byte flipped",
                f"flip (XOR 0xFF) the byte at size//2 of {where}/{name}",
                lambda run, _, n=name: flip(newest(run) / n),
            ),
            Damage(
                f"{name}: cut to half",
                f"truncate {where}/{name} to half its size",
                lambda run, _, n=name: truncate(newest(run) / n),
            ),
            Damage(f"{name}: deleted", f"rm {where}/{name}", lambda run, _, n=name: (newest(run) / n).unlink()),
        ]
    found += [
        Damage(
            "config.toml: garbage",
            "replace $RUN/config.toml by 240 bytes of binary garbage",
            lambda run, _: (run / "config.toml").write_bytes(garbage(1)),
            checkpoint=False,
        ),
        Damage(
            "config.toml: another layer width",
            "edit $RUN/config.toml: g_hidden = [32, 32]",
            _edit_width,
            checkpoint=False,
        ),
        Damage(
            "log.jsonl: garbage",
            "replace $RUN/log.jsonl by 240 bytes of binary garbage",
            lambda run, _: (run / "log.jsonl").write_bytes(garbage(2)),
            checkpoint=False,
        ),
        Damage(
            "log.jsonl: cut to half",
            "truncate $RUN/log.jsonl to half",
            lambda run, _: truncate(run / "log.jsonl"),
            checkpoint=False,
        ),
        Damage(
            "data.json: garbled",
            "write '{garbled' into $RUN/data.json",
            lambda run, _: (run / "data.json").write_text("{garbled"),
            checkpoint=False,
        ),
        Damage(
            "data.json: wrong value_range",
            "set value_range to [0, 255] in $RUN/data.json",
            _wrong_range,
            checkpoint=False,
        ),
    ]
    for name in files:
        if name == "MANIFEST.json":
            continue

        def planted(run: Path, marker: Path, n: str = name) -> None:
            from gan_core._state_files import write_manifest

            checkpoint = newest(run)
            plant(checkpoint / n, marker)
            write_manifest(checkpoint, int(checkpoint.name[5:]))

        found.append(
            Damage(
                f"{name}: pickle payload, manifest rewritten",
                f"replace {where}/{name} by a pickle whose __reduce__ runs `touch MARKER` (torch.save for "
                ".pkl/.bin), then gan_core._state_files.write_manifest(<newest>, step)",
                planted,
            )
        )
    for name in ("custom_checkpoint_0.pkl", "optimizer.bin", "random_states_0.pkl"):

        def legacy(run: Path, marker: Path, n: str = name) -> None:
            checkpoint = newest(run)
            make_legacy(checkpoint)
            plant(checkpoint / n, marker)

        found.append(
            Damage(
                f"old-style checkpoint: payload in {name}",
                f"rewrite {where} as Accelerate's save_state did (no manifest: custom_checkpoint_0.pkl, "
                f"optimizer.bin, optimizer_1.bin, random_states_0.pkl, model.safetensors, model_1.safetensors), "
                f"then torch.save a payload running `touch MARKER` into {name}",
                legacy,
            )
        )
    return found


@dataclass
class Matrix:
    """What the damage matrix runs: its bases, commands and the undamaged outputs."""

    gan: Gan
    work: Path
    points: Path  # the ring8 run (sample, resume)
    resume_to: int
    images: Path | None  # the mnist-5k run (eval), if gan-plugin-metrics is installed
    reference: dict[str, Any] = field(default_factory=dict)

    @property
    def commands(self) -> list[str]:
        return ["sample", "resume"] + (["eval"] if self.images is not None else [])

    def args(self, command: str, run: Path, tag: str) -> tuple[list[Any], str]:
        if command == "sample":
            return ["sample", run, "--out", self.work / "samples" / f"{tag}.npy", "--n", "16"], "vanilla"
        if command == "resume":
            return ["train", "vanilla", "--resume", "--out", run, "--steps", self.resume_to], "vanilla"
        return ["eval", run, "--n", "128", "--cache-dir", self.work / "metrics-cache"], "vanilla,metrics"

    def output(self, command: str, run: Path, tag: str) -> Any:
        if command == "sample":
            return read_samples(self.work / "samples" / f"{tag}.npy")
        if command == "resume":
            return final_weights(run, self.resume_to)
        return read_metrics(run)

    def same(self, command: str, output: Any) -> bool:
        reference = self.reference.get(command)
        if command == "sample":
            return same_array(output, reference)
        if command == "resume":
            return output is not None and not differing(output, reference)
        return output is not None and output == reference

    def base(self, command: str) -> Path:
        return self.images if command == "eval" and self.images is not None else self.points

    def run_cell(self, command: str, tag: str, damage: Damage | None) -> dict[str, Any]:
        copy = self.work / tag
        shutil.copytree(self.base(command), copy, symlinks=True)
        marker = self.work / f"{tag}.payload-ran"
        damaged = newest(copy).name
        try:
            if damage is not None:
                damage.apply(copy, marker)
            args, plugins = self.args(command, copy, tag)
            result = self.gan.run(args, plugins)
            output = self.output(command, copy, tag)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        cell = result.record()
        cell["command"] = cell["command"].replace(f"$W/{tag}", "$RUN")
        if damage is None:
            self.reference[command] = output
            cell["outcome"] = "reference" if result.code == 0 and output is not None else "failed"
            return cell
        same = self.same(command, output)
        cell["same_output"] = same
        cell["outcome"] = classify_damage(result.code, result.stderr, same, damaged if damage.checkpoint else None)
        cell["payload_ran"] = marker.exists()
        return cell

    def run_damage(self, index: int, damage: Damage) -> dict[str, Any]:
        cells = {command: self.run_cell(command, f"damage-{index:02d}-{command}", damage) for command in self.commands}
        print(f"damage {index}: {damage.name}: " + ", ".join(c["outcome"] for c in cells.values()), file=sys.stderr)
        return {"damage": damage.name, "how": damage.how, "cells": cells}


def damage_matrix(
    gan: Gan, work: Path, points: Path, *, steps: int, every: int, images: Path | None, quick: bool, jobs: int
) -> dict[str, Any]:
    matrix = Matrix(gan, work, points, steps + every, images)
    (work / "samples").mkdir(exist_ok=True)
    references = {command: matrix.run_cell(command, f"reference-{command}", None) for command in matrix.commands}
    record: dict[str, Any] = {"commands": matrix.commands, "references": references, "rows": []}
    if any(cell["outcome"] != "reference" for cell in references.values()):
        record["error"] = "a command failed on the undamaged run"
        return record
    files = sorted(p.name for p in newest(points).iterdir() if p.is_file())
    record["newest"] = {"ring8": newest(points).name, **({"mnist-5k": newest(images).name} if images else {})}
    record["checkpoint_files"] = files
    chosen = damages(files)
    if quick:
        chosen = [d for d in chosen if d.name in QUICK_DAMAGES]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        record["rows"] = list(pool.map(matrix.run_damage, range(len(chosen)), chosen))
    return record


# --- part 3: bad inputs ----------------------------------------------------------------------


@dataclass
class BadInput:
    name: str
    args: Callable[[Path], list[Any]]  # given its own folder (made empty), the command's arguments
    plugins: str = "vanilla"
    setup: Callable[[Path], str | None] | None = None  # prepares the folder; returns a reason to skip
    expect: str = "clean"
    nobody: bool = False  # run as user 65534 (setpriv) when this process is root, which ignores permissions


def _train(out: Path, *extra: Any, dataset: str = "ring8") -> list[Any]:
    return ["train", "vanilla", "--dataset", dataset, "--steps", "2", "--out", out / "run", *extra]


def bad_inputs(gan: Gan, points: Path | None, images: Path | None, cgan: bool) -> list[BadInput]:
    """Every bad input; ``points`` and ``images`` are finished runs (None: the rows needing one are skipped)."""
    no_metrics = "gan-plugin-metrics is not installed, or --quick"

    def write(name: str, data: bytes, needs: Path | bool | None = True) -> Callable[[Path], str | None]:
        def setup(folder: Path) -> str | None:
            if needs is None:
                return no_metrics
            (folder / name).write_bytes(data)
            return None

        return setup

    def read_only(folder: Path) -> str | None:
        if os.geteuid() == 0 and shutil.which("setpriv") is None:
            return "running as root, which ignores folder permissions, and setpriv is missing"
        (folder / "ro").mkdir()
        (folder / "ro").chmod(0o555)
        if os.geteuid() == 0:  # the command runs as nobody, who must reach the folder
            for above in (folder.parent, folder):
                above.chmod(0o755)
        return None

    def cgan_run(folder: Path) -> str | None:
        if not cgan:
            return "gan-plugin-cgan is not installed"
        args = ["train", "cgan", "--dataset", "ring8", "--steps", "2", "--out", folder / "cgan"]
        made = gan.run([*args, "--set", "model.backbone=mlp", "--set", "train.progress=false"], "cgan")
        return None if made.code == 0 else f"the cgan run failed: {made.errors[:1]}"

    def images_folder(folder: Path) -> str | None:
        import numpy as np
        from PIL import Image

        (folder / "images").mkdir()
        for index in range(8):
            pixels = np.random.default_rng(index).integers(0, 255, (12, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / "images" / f"{index}.png")
        (folder / "images" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
        return None

    def need(run: Path | None, why: str) -> Callable[[Path], str | None]:
        return lambda _: None if run is not None else why

    def eval_on_cuda(_: Path) -> str | None:
        if images is None:
            return no_metrics
        import torch

        return "a GPU is present: --device cuda is valid here" if torch.cuda.is_available() else None

    def image_folder(folder: Path, *extra: Any) -> list[Any]:
        settings = [f"train.data_root={folder / 'images'}", "train.image_size=8", "train.batch_size=4", *extra]
        return _train(folder, *[a for s in settings for a in ("--set", s)], dataset="image-folder")

    def train_into(out: Path) -> list[Any]:
        return ["train", "vanilla", "--dataset", "ring8", "--steps", "2", "--out", out]

    def eval_run(*extra: Any) -> list[Any]:
        return ["eval", images, "--n", "64", *extra]

    return [
        BadInput("--set seed=4294967296", lambda f: _train(f, "--set", "seed=4294967296")),
        BadInput("--set model.lr=inf", lambda f: _train(f, "--set", "model.lr=inf")),
        BadInput("--set model.lr=nan", lambda f: _train(f, "--set", "model.lr=nan")),
        BadInput("--out an existing file", lambda f: train_into(f / "file.txt"), setup=write("file.txt", b"a file\n")),
        BadInput(
            "--out inside a read-only folder",
            lambda f: train_into(f / "ro" / "run"),
            setup=read_only,
            nobody=os.geteuid() == 0,
        ),
        BadInput("--config a folder", lambda f: _train(f, "--config", f)),
        BadInput(
            "--config not UTF-8",
            lambda f: _train(f, "--config", f / "latin1.toml"),
            setup=write("latin1.toml", "[train]\n# caf\xe9\nsteps = 2\n".encode("latin-1")),
        ),
        BadInput(
            "--config garbled TOML",
            lambda f: _train(f, "--config", f / "garbled.toml"),
            setup=write("garbled.toml", b"[train\nsteps = = 3\n"),
        ),
        BadInput(
            "gan sample --n 3 --label 0,1,2,3,4 (cgan)",
            lambda f: ["sample", f / "cgan", "--n", "3", "--label", "0,1,2,3,4", "--out", f / "s.npy"],
            plugins="cgan",
            setup=cgan_run,
        ),
        BadInput("--set model.latent_dim=10000000000", lambda f: _train(f, "--set", "model.latent_dim=10000000000")),
        BadInput("--set train.grid_size=100000000", lambda f: _train(f, "--set", "train.grid_size=100000000")),
        BadInput(
            "--set train.image_size=1000000 (mnist-5k)",
            lambda f: _train(f, "--set", "train.image_size=1000000", dataset="mnist-5k"),
        ),
        BadInput(
            "gan sample --n 10000000000",
            lambda f: ["sample", points, "--n", "10000000000", "--out", f / "s.npy"],
            setup=need(points, "no finished run to sample"),
        ),
        BadInput(
            "gan eval --device cuda (no GPU)",
            lambda f: eval_run("--device", "cuda", "--cache-dir", f / "cache"),
            plugins="vanilla,metrics",
            setup=eval_on_cuda,
        ),
        BadInput(
            "gan eval --device gpu9",
            lambda f: eval_run("--device", "gpu9", "--cache-dir", f / "cache"),
            plugins="vanilla,metrics",
            setup=need(images, no_metrics),
        ),
        BadInput(
            "gan eval --weights a text file",
            lambda f: eval_run("--weights", f / "weights.txt", "--no-cache"),
            plugins="vanilla,metrics",
            setup=write("weights.txt", b"not weights\n", images),
        ),
        BadInput(
            "gan eval --cache-dir an existing file",
            lambda f: eval_run("--cache-dir", f / "file.txt"),
            plugins="vanilla,metrics",
            setup=write("file.txt", b"a file\n", images),
        ),
        BadInput("image folder with a corrupt image", lambda f: image_folder(f), setup=images_folder),
        BadInput(
            "image folder with a corrupt image, train.bad_images=skip",
            lambda f: image_folder(f, "train.bad_images=skip", "train.progress=false"),
            setup=images_folder,
            expect="warned",
        ),
    ]


def run_bad_input(gan: Gan, work: Path, index: int, row: BadInput) -> dict[str, Any]:
    folder = work / f"bad-{index:02d}"
    folder.mkdir()
    record: dict[str, Any] = {"input": row.name, "expect": row.expect}
    reason = row.setup(folder) if row.setup is not None else None
    if reason:
        record.update({"outcome": "skipped", "reason": reason, "command": gan.show(row.args(folder), row.plugins)})
        return record
    result = gan.run(row.args(folder), row.plugins, nobody=row.nobody)
    record.update(result.record())
    if row.nobody:
        nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups gan "  # root ignores permissions
        record["command"] = record["command"].replace(" gan ", f" {nobody}", 1)
    record["outcome"] = classify_input(result.code, result.stderr, row.expect)
    record["message"] = (result.errors or result.warnings or [""])[0]
    print(f"bad input {index}: {row.name}: {record['outcome']}", file=sys.stderr)
    with_permissions = folder / "ro"
    if with_permissions.exists():
        with_permissions.chmod(0o755)
    return record


def concurrent_train(gan: Gan, work: Path, steps: int) -> dict[str, Any]:
    """Two ``gan train`` into one --out: the second must be refused in one line naming the first's pid,
    and the first must finish with exit 0 and log every step once."""
    run = work / "concurrent"
    args = [*soak_args(steps, 0), "--out", run]
    started = time.perf_counter()
    first, command = gan.start(args, "vanilla", work / "concurrent-first")
    record: dict[str, Any] = {"input": "a second gan train into the same --out", "expect": "clean"}
    lock = run / ".lock"
    while first.poll() is None and time.perf_counter() - started < COMMAND_TIMEOUT_S:
        if lock.is_file() and lock.read_text().strip():
            break
        time.sleep(0.05)
    second = gan.run(args)
    still_running = first.poll() is None
    first_result = gan.collect(first, command, work / "concurrent-first", started, killed=False)
    rows, _ = log_rows(run)
    steps_logged = [r["step"] for r in rows]
    outcome = classify_input(second.code, second.stderr)
    named = f"pid {first.pid}" in second.stderr
    record.update(second.record())
    record.update(
        {
            "first": first_result.record(),
            "first_still_running": still_running,
            "names_the_pid": named,
            "first_log_each_step_once": len(steps_logged) == len(set(steps_logged)) and bool(steps_logged),
            "message": (second.errors or [""])[0],
            "command": f"{command} & sleep until $W/concurrent/.lock holds a pid; {second.command}",
        }
    )
    ok = still_running and named and first_result.code == 0 and record["first_log_each_step_once"]
    record["outcome"] = outcome if outcome != "clean" or ok else "other"
    if outcome == "clean" and not ok:
        record["reason"] = "refused, but the first was not running, unnamed, or harmed"
    print(f"bad input: concurrent train: {record['outcome']}", file=sys.stderr)
    return record


# --- the report ------------------------------------------------------------------------------


def summary(record: Mapping[str, Any]) -> dict[str, Any]:
    cells = [c for row in record.get("damage", {}).get("rows", []) for c in row["cells"].values()]
    damage = Counter(c["outcome"] for c in cells)
    resumes = [row["cells"]["resume"] for row in record.get("damage", {}).get("rows", []) if "resume" in row["cells"]]
    bad = Counter(r["outcome"] for r in record.get("bad_inputs", []))
    soaked = record.get("soak")
    return {
        "damage_cells": len(cells),
        "damage": {k: damage.get(k, 0) for k in (*GOOD, "silent", "traceback", "other", "warned", "timeout")},
        "payload_ran": sum(bool(c.get("payload_ran")) for c in cells),
        # a resume that fell back to the previous checkpoint replays the steps since: the same weights
        "resumes_fell_back": sum(1 for c in resumes if c["outcome"] == "fell back"),
        "resumes_fell_back_same_weights": sum(1 for c in resumes if c["outcome"] == "fell back" and c["same_output"]),
        "bad_inputs": {k: bad.get(k, 0) for k in ("clean", "warned", "traceback", "other", "timeout", "skipped")},
        "soak_identical": None if soaked is None else soaked["identical"],
    }


def problems(record: Mapping[str, Any]) -> list[str]:
    """Every row that is a bug: the script fails if there is any."""
    found = []
    soaked = record.get("soak")
    if soaked is not None and not soaked["identical"]:
        found.append("soak: not identical to the uninterrupted run")
    damage = record.get("damage")
    if damage is not None and damage.get("error"):
        found.append(f"damage: {damage['error']}")
    for row in (damage or {}).get("rows", []):
        for command, cell in row["cells"].items():
            if cell["outcome"] not in GOOD or cell["payload_ran"]:
                ran = " (payload ran)" if cell["payload_ran"] else ""
                found.append(f"damage {row['damage']!r} / {command}: {cell['outcome']}{ran}")
    for row in record.get("bad_inputs", []):
        if row["outcome"] not in (row["expect"], "skipped"):
            found.append(f"bad input {row['input']!r}: {row['outcome']}")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(record: Mapping[str, Any]) -> str:
    out: list[str] = []
    soaked = record.get("soak")
    if soaked is not None:
        reference = soaked["reference"]["command"]
        out += [
            "## Kill -9 soak",
            "",
            "| kills survived | during checkpoint writes (partial checkpoint left) | before the first checkpoint "
            "(restarts from step 0) | fresh starts as advised | failed resumes | identical to uninterrupted | "
            "reproduce |",
            "|---|---|---|---|---|---|---|",
        ]
        if "segments" in soaked:
            identical = "yes" if soaked["identical"] else f"**no** ({len(soaked['differing_tensors'])} tensors differ, "
            if not soaked["identical"]:
                identical += f"log identical: {soaked['log_identical']})"
            out.append(
                f"| {soaked['kills']} of {soaked['kills_planned']} | {soaked['kills_during_checkpoint_writes']} "
                f"({soaked['partial_checkpoints_left']}) | {soaked['kills_before_first_checkpoint']} "
                f"({soaked['restarts_from_step_0']}) | {soaked['fresh_starts_as_advised']} | "
                f"{len(soaked['failed_resumes'])} | {identical} | `{_cell(reference)}`; the same with "
                f"`--out $W/soak`, SIGKILLed at random moments, each time resumed with `gan train vanilla --resume "
                f"--out $W/soak --steps {soaked['steps']}` "
                f"(`python benchmarks/reliability_audit.py --parts soak --kills {soaked['kills_planned']} "
                f"--steps {soaked['steps']} --checkpoint-every {soaked['checkpoint_every']} "
                f"--seed {soaked['seed']}`) |"
            )
        else:
            out.append(f"| - | - | - | - | - | **no**: {soaked.get('error')} | `{_cell(reference)}` |")
        out.append("")
    damage = record.get("damage")
    if damage is not None:
        commands = damage["commands"]
        templates = {c: cell["command"] for c, cell in damage["references"].items()}
        bases = [("ring8 run (sample, resume)", record.get("base_points_command"))]
        if "eval" in commands:
            bases.append(("mnist-5k run (eval)", record.get("base_images_command")))
        out += ["## Damage matrix", ""]
        out += [f"- the {name}: `{_cell(command or '')}`" for name, command in bases]
        out += [f"- `{c}`: `{_cell(t)}`" for c, t in templates.items()]
        newest = ", ".join(f"{name}: {step}" for name, step in damage.get("newest", {}).items())
        out += [
            "",
            "`$RUN` is a fresh copy of the finished run, damaged as the row says before the command; "
            f"`<newest>` is its newest checkpoint ({newest}), the previous one kept beside it. The undamaged "
            "run's output (samples, final weights after the resume, metrics) decides `unaffected` and `silent`.",
            "",
            f"| damage | {' | '.join(commands)} | reproduce |",
            "|---|" + "---|" * len(commands) + "---|",
        ]
        if damage.get("error"):
            out.append(f"| **{damage['error']}** |" + " |" * (len(commands) + 1))
        for row in damage["rows"]:
            outcomes = []
            for command in commands:
                cell = row["cells"][command]
                text = cell["outcome"] if cell["outcome"] in GOOD else f"**{cell['outcome']}**"
                if cell["payload_ran"]:
                    text += " **payload ran**"
                outcomes.append(text)
            out.append(f"| {_cell(row['damage'])} | {' | '.join(outcomes)} | {_cell(row['how'])} |")
        out.append("")
    bad = record.get("bad_inputs")
    if bad is not None:
        out += ["## Bad inputs", "", "| input | outcome | message | reproduce |", "|---|---|---|---|"]
        for row in bad:
            outcome = row["outcome"]
            if outcome not in (row["expect"], "skipped"):
                outcome = f"**{outcome}** (exit {row.get('exit')})"
            message = row.get("message") or row.get("reason", "")
            out.append(f"| {_cell(row['input'])} | {outcome} | {_cell(message)} | `{_cell(row['command'])}` |")
        out.append("")
    s = record["summary"]
    d, b = s["damage"], s["bad_inputs"]
    soak_text = "not run" if s["soak_identical"] is None else ("identical" if s["soak_identical"] else "NOT identical")
    extra = "".join(f", {d[k]} {k}" for k in ("warned", "timeout") if d[k])
    out.append(
        f"**Summary:** damage matrix {s['damage_cells']} commands: {d['clean']} clean, {d['fell back']} fell back, "
        f"{d['unaffected']} unaffected, {d['silent']} silent, {d['traceback']} traceback, {d['other']} other{extra}; "
        f"payload ran {s['payload_ran']}; {s['resumes_fell_back_same_weights']} of the {s['resumes_fell_back']} "
        "resumes that fell back ended with the undamaged resume's weights, bit for bit. "
        f"Bad inputs: {b['clean']} clean, {b['warned']} warned as asked, {b['traceback']} traceback, "
        f"{b['other']} other{', ' + str(b['timeout']) + ' timeout' if b['timeout'] else ''}, {b['skipped']} skipped. "
        f"Soak: {soak_text}."
    )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="the short form CI runs (see the docstring)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--kills", type=int, help="SIGKILLs in the soak (default 20; --quick 3)")
    parser.add_argument("--steps", type=int, help="steps of the soaked run (default 600; --quick 60)")
    parser.add_argument("--checkpoint-every", type=int, help="its checkpoint period (default 50; --quick 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--jobs", type=int, default=1, help="damage rows and bad inputs run this many at once")
    parser.add_argument("--work", type=Path, help="keep the runs in this (new) folder instead of a temporary one")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    args = parser.parse_args(argv)
    kills = args.kills if args.kills is not None else (3 if args.quick else 20)
    steps = args.steps if args.steps is not None else (60 if args.quick else 600)
    every = args.checkpoint_every if args.checkpoint_every is not None else (20 if args.quick else 50)
    if kills < 0 or every <= 0 or steps < 2 * every:
        parser.error("--kills must be >= 0, --checkpoint-every positive and --steps at least twice it")

    started = time.perf_counter()
    record: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "parts": args.parts,
    }
    with tempfile.TemporaryDirectory(prefix="reliability-") as temporary:
        work = args.work.resolve() if args.work else Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        gan = Gan(work)
        record["gan"] = gan.prefix
        if "soak" in args.parts:
            record["soak"] = soak(gan, work, kills=kills, steps=steps, every=every, seed=args.seed)
        points: Path | None = work / "soak-reference"
        if {"damage", "bad"} & set(args.parts) and not (points / "checkpoints" / f"step_{steps:08d}").is_dir():
            made = gan.run([*soak_args(steps, every), "--out", points])
            record["base_points"] = made.record()
            if made.code != 0:
                points = None
        record["base_points_command"] = gan.show(
            [*soak_args(steps, every), "--out", work / "soak-reference"], "vanilla"
        )
        images: Path | None = None
        if not args.quick and installed("gan-plugin-metrics") and {"damage", "bad"} & set(args.parts):
            images = work / "base-images"
            image_args = [*soak_args(IMAGE_STEPS, IMAGE_EVERY, "mnist-5k"), "--out", images]
            made = gan.run(image_args)
            record["base_images"] = made.record()
            record["base_images_command"] = made.command
            if made.code != 0:
                images = None
        if "damage" in args.parts:
            if points is None:
                record["damage"] = {"commands": [], "references": {}, "rows": [], "error": "no run to damage"}
            else:
                record["damage"] = damage_matrix(
                    gan, work, points, steps=steps, every=every, images=images, quick=args.quick, jobs=args.jobs
                )
        if "bad" in args.parts:
            rows = bad_inputs(gan, points, images, installed("gan-plugin-cgan"))
            if args.quick:
                rows = [r for r in rows if r.name in QUICK_INPUTS]
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                found = list(pool.map(lambda pair: run_bad_input(gan, work, *pair), enumerate(rows)))
            if not args.quick:
                found.append(concurrent_train(gan, work, steps=max(steps, 600)))
            record["bad_inputs"] = found
    record["summary"] = summary(record)
    record["problems"] = problems(record)
    record["wall_s"] = round(time.perf_counter() - started, 1)
    table = markdown(record)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report_files(args.out, json.dumps(record, indent=2, default=str) + "\n", table)
    print(table)
    for problem in record["problems"]:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if record["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
