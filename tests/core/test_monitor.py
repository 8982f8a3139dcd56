"""The failure-mode detectors on synthetic log lines, and the monitor's events in a real run."""

from __future__ import annotations

import json
import math
import random
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import core_tiny
from core_helpers import cli_registry, tiny_config

from gan_core import GanTrainer, GanWarning
from gan_core._monitor import (
    DiscriminatorOverpowering,
    ExplodingLosses,
    ModeCollapse,
    Monitor,
    Oscillation,
    VanishingGradient,
    default_detectors,
)
from gan_core._probes import PROBE_PREFIX


def _line(d_loss: float = 1.3, g_loss: float = 0.8, **probes: float) -> dict[str, float]:
    return {"d_loss": d_loss, "g_loss": g_loss, **{PROBE_PREFIX + k: v for k, v in probes.items()}}


def _fired(detector: object, lines: Iterable[Mapping[str, float]], probabilities: bool = True) -> list[int]:
    """The log-line indices (steps 10, 20, ...) at which the monitor starts an event of ``detector``'s."""
    monitor = Monitor([detector], probabilities)  # type: ignore[list-item]
    started = []
    for i, line in enumerate(lines):
        started += [event.step for event in monitor.observe(10 * (i + 1), line)]
    return started


def test_exploding_losses_fire_once_when_they_grow() -> None:
    steady = [_line(d_loss=1.0 + 0.1 * (i % 3)) for i in range(20)]
    assert _fired(ExplodingLosses(), steady) == []
    growing = steady + [_line(g_loss=10.0**k) for k in range(1, 8)]
    assert _fired(ExplodingLosses(), growing) == [240]  # 1e4 > 1000 x the start (about 1.1)
    assert _fired(ExplodingLosses(), [_line(g_loss=1e7)] * 3) == [10]  # exploding from the first line


def test_a_vanishing_generator_gradient_under_a_confident_discriminator() -> None:
    early = [_line(g_out_grad=1.0, d_fake=0.4) for _ in range(5)]
    fading = [_line(g_out_grad=0.5**k, d_fake=0.01) for k in range(1, 7)]
    assert _fired(VanishingGradient(), early + fading) == [100]  # below 20% from 0.125, three lines in a row
    undecided = [_line(g_out_grad=0.5**k, d_fake=0.5) for k in range(1, 7)]
    assert _fired(VanishingGradient(), early + undecided) == []  # D is not winning: something else
    assert _fired(VanishingGradient(), early + fading, probabilities=False) == []  # critics do not saturate


def test_an_overpowering_discriminator_needs_five_lines_and_probabilities() -> None:
    winning = [_line(d_real=0.99, d_fake=0.01)] * 5
    assert _fired(DiscriminatorOverpowering(), [_line(d_real=0.6, d_fake=0.4)] * 3 + winning) == [80]
    assert _fired(DiscriminatorOverpowering(), [_line(d_real=0.99, d_fake=0.01)] * 4) == []
    assert _fired(DiscriminatorOverpowering(), winning, probabilities=False) == []


def test_mode_collapse_after_the_warm_up() -> None:
    collapsed = [_line(diversity=0.05)] * 80
    # lines at steps 10 ... 800; the warm-up is 500 steps (a 1,000-step run) or a tenth (10,000 steps)
    assert _fired(ModeCollapse(1000), collapsed) == [540]
    assert _fired(ModeCollapse(6000), collapsed) == [640]
    assert _fired(ModeCollapse(1000), [_line(diversity=0.7)] * 80) == []


def test_mode_collapse_from_the_mode_share_once_healthy_runs_have_spread() -> None:
    # far-apart modes spread as far as the data (diversity 0.9), yet only 3 of 8 are reached
    few_modes = [_line(diversity=0.9, modes=0.375)] * 80
    assert _fired(ModeCollapse(1000), few_modes) == [540]  # the warm-up: 500 steps or a third of the run
    assert _fired(ModeCollapse(1800), few_modes) == [640]
    assert _fired(ModeCollapse(1000), [_line(diversity=0.9, modes=0.75)] * 80) == []
    # a batch of 16 reaches 48% of grid25's modes when it draws them all equally: 40% is healthy there
    assert _fired(ModeCollapse(1000), [_line(diversity=0.9, modes=0.4, modes_expected=0.48)] * 80) == []
    assert _fired(ModeCollapse(1000), [_line(diversity=0.9, modes=0.2, modes_expected=0.48)] * 80) == [540]


def test_oscillation_is_a_swing_not_noise() -> None:
    rng = random.Random(0)
    cycling = [
        _line(d_real=0.5 + 0.4 * math.sin(2 * math.pi * i / 8) + rng.gauss(0, 0.1), d_fake=0.3) for i in range(60)
    ]
    assert _fired(Oscillation(), cycling) == [350]  # the window fills at line 32, then four lines in a row
    noisy = [_line(d_real=0.5 + rng.gauss(0, 0.3), d_fake=0.3) for _ in range(3000)]
    assert _fired(Oscillation(), noisy) == []
    drifting, x = [], 0.0  # autocorrelated noise: a slow drift, which a cycle detector must not read as one
    for _ in range(3000):
        x = 0.9 * x + rng.gauss(0, 0.3 * (1 - 0.81) ** 0.5)
        drifting.append(_line(d_real=0.5 + x, d_fake=0.3))
    assert _fired(Oscillation(), drifting) == []
    settling = [_line(d_real=0.5 + 0.02 * math.sin(2 * math.pi * i / 8), d_fake=0.3) for i in range(40)]
    assert _fired(Oscillation(), settling) == []  # a small cycle is not a failure


def test_an_event_is_reported_once_per_episode() -> None:
    lines = [_line(d_real=0.99, d_fake=0.01)] * 12 + [_line(d_real=0.6, d_fake=0.4)] * 5
    lines += [_line(d_real=0.99, d_fake=0.01)] * 5
    assert _fired(DiscriminatorOverpowering(), lines) == [50, 220]


def test_patience_spans_as_many_steps_at_a_denser_log() -> None:
    winning = [_line(d_real=0.99, d_fake=0.01)]
    every_step = Monitor([DiscriminatorOverpowering()], True, log_every=1)
    started = [e.step for i in range(80) for e in every_step.observe(i + 1, winning[0])]
    assert started == [50]  # five lines at log_every 10: fifty at log_every 1
    exploding = Monitor([ExplodingLosses()], True, log_every=1)  # one line is one line, at any cadence
    assert [e.step for e in exploding.observe(1, _line(g_loss=1e7))] == [1]
    every_fifty = Monitor([DiscriminatorOverpowering()], True, log_every=50)
    assert [e.step for i in range(8) for e in every_fifty.observe(50 * (i + 1), winning[0])] == [250]


def test_every_detector_is_documented() -> None:
    for detector in default_detectors(100):
        assert detector.name and detector.topic and detector.advice and type(detector).__doc__


def test_a_run_reports_its_events_in_the_log_and_at_the_end(tmp_path: Path) -> None:
    config = tiny_config("lr=300", steps=40, log_every=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = GanTrainer(core_tiny.TINY, config, tmp_path / "run", registry=cli_registry()).fit()
    assert result.events, "an absurd learning rate raised no event"
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    logged = [r for r in records if "event" in r]
    assert [(r["step"], r["event"]) for r in logged] == [(e.step, e.name) for e in result.events]
    assert all(set(r) == {"step", "event", "detail", "advice"} for r in logged)
    shown = [str(w.message) for w in caught if issubclass(w.category, GanWarning)]
    assert [line.split(":")[1].strip() for line in shown if line.startswith("step ")] == [e.name for e in result.events]


def test_a_resumed_run_does_not_report_its_events_again(tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = tiny_config("lr=300", steps=20, log_every=2, checkpoint_every=10)
    first = GanTrainer(core_tiny.TINY, config, run, registry=cli_registry()).fit()
    assert first.events
    longer = tiny_config("lr=300", steps=24, log_every=2, checkpoint_every=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resumed = GanTrainer(core_tiny.TINY, longer, run, registry=cli_registry()).fit(resume=True)
    # the failures go on after step 20: the replayed log keeps them active, so none starts again
    assert resumed.events == ()
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines() if '"event"' in line]
    assert [(r["step"], r["event"]) for r in logged] == [(e.step, e.name) for e in first.events]
