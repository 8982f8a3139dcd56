"""Distributions working together in one process: the Python API over every installed plugin."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
from torch import Tensor, nn

from gan_core import DataInfo, GanModels, GanTrainer, Loss, Variant, get_registry, resolve_config
from gan_core.runs import load_generator
from gan_core.sampling import generate, sample_latent

TINY_TRAIN = ["steps=4", "batch_size=32", "progress=false", "log_every=1", "dataset=ring8"]


def test_two_plugins_train_in_one_process_and_load_back(tmp_path: Path) -> None:
    registry = get_registry()
    for name, overrides in (
        ("vanilla", ["g_hidden=[16]", "d_hidden=[16]", "latent_dim=4"]),
        ("lsgan-example", ["g_hidden=[16]", "d_hidden=[16]", "latent_dim=4"]),
    ):
        variant = registry.variant(name)
        config = resolve_config(variant, overrides=[*TINY_TRAIN, *overrides])
        result = GanTrainer(variant, config, tmp_path / name, registry=registry).fit()
        assert result.steps == 4 and all(math.isfinite(v) for v in result.last_scalars.values())
        run = load_generator(tmp_path / name, registry)
        assert run.variant is variant
        samples = generate(run.generator, sample_latent(10, run.latent_dim, seed=0))
        assert samples.shape == (10, 2)


def test_a_loss_registered_by_one_plugin_drives_another_plugins_networks(tmp_path: Path) -> None:
    """The point of registering losses on their own: vanilla's MLPs trained on the example's loss."""
    registry = get_registry()
    vanilla = registry.variant("vanilla")
    least_squares = registry.loss("least-squares-example").factory(real_target=1.0, fake_target=-1.0)
    assert isinstance(least_squares, Loss)
    calls: Counter[str] = Counter()

    @attrs.frozen
    class Counting:
        """Delegates to the example's loss and counts what the core's step asks of it."""

        def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
            calls["discriminator_loss"] += 1
            return least_squares.discriminator_loss(real_scores, fake_scores)

        def generator_loss(self, fake_scores: Tensor) -> Tensor:
            calls["generator_loss"] += 1
            return least_squares.generator_loss(fake_scores)

        def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None:
            return least_squares.penalty(discriminator, real, fake, y)

    def build(config: Any, data: DataInfo) -> GanModels:
        return attrs.evolve(vanilla.build(config, data), loss=Counting())

    mixed = Variant(name="vanilla-least-squares", config_cls=vanilla.config_cls, build=build)
    config = resolve_config(mixed, overrides=[*TINY_TRAIN, "g_hidden=[16]", "d_hidden=[16]", "d_steps=2"])
    result = GanTrainer(mixed, config, tmp_path / "mixed", registry=registry).fit()
    assert calls == {"discriminator_loss": 8, "generator_loss": 4}  # 4 steps of k=2 D updates and 1 G update
    assert all(math.isfinite(v) for v in result.last_scalars.values())
