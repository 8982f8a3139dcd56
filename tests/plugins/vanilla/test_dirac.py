"""The Dirac-GAN: simultaneous steps cycle (the monitor says so), a zero-centred penalty converges."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gan_core import GanTrainer, Registry, load_run, resolve_config
from gan_core.testing import (
    check_checkpoint_resume,
    check_config_class,
    check_models,
    check_rejects_bad_config,
    check_training_step,
)
from gan_plugin_vanilla.dirac import DIRAC_GAN


def _train(registry: Registry, out: Path, *overrides: str) -> tuple[list[str], float, float]:
    config = resolve_config(DIRAC_GAN, overrides=["progress=false", *overrides])
    result = GanTrainer(DIRAC_GAN, config, out, registry=registry).fit()
    run = load_run(out, registry, discriminator=True)
    theta, psi = float(run.generator.theta), float(run.discriminator.psi)
    return [event.name for event in result.events], theta, psi


def test_simultaneous_steps_spiral_out_and_the_monitor_calls_it_oscillation(registry: Registry, tmp_path: Path) -> None:
    with pytest.warns(match="oscillation"):
        events, theta, psi = _train(registry, tmp_path / "run")
    assert events == ["oscillation"]
    assert math.hypot(theta, psi) > math.hypot(1.0, 1.0)  # further from (0, 0) than it started


def test_a_zero_centred_penalty_makes_it_converge(registry: Registry, tmp_path: Path) -> None:
    events, theta, psi = _train(registry, tmp_path / "run", "r1=1")
    assert events == []
    assert math.hypot(theta, psi) < 0.05


def test_the_variant_passes_the_conformance_kit_but_its_sampling_check(tmp_path: Path) -> None:
    """Every check but check_sampling, which asks different seeds for different samples: this
    generator ignores its noise by design (its distribution is one point)."""
    check_config_class(DIRAC_GAN)
    check_models(DIRAC_GAN, data_shape=(1,))
    check_training_step(DIRAC_GAN, tmp_path / "step", data_shape=(1,))
    check_checkpoint_resume(DIRAC_GAN, tmp_path / "resume", data_shape=(1,))
    check_rejects_bad_config(DIRAC_GAN, bad_config={"lr": [0, -0.1]})
