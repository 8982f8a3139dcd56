"""Distributions working together in one process: the Python API over every installed plugin."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
from torch import Tensor

from gan_core import (
    DataInfo,
    Game,
    GanTrainer,
    Loss,
    Variant,
    create_registry,
    generate,
    load_generator,
    resolve_config,
)

TINY_TRAIN = ["steps=4", "batch_size=32", "progress=false", "log_every=1", "dataset=ring8"]


def test_two_plugins_train_in_one_process_and_load_back(tmp_path: Path) -> None:
    registry = create_registry()
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
        drawn = run.inputs.fixed(10, seed=0)
        samples = generate(run.generator, drawn.x, drawn.y)
        assert samples.shape == (10, 2)


def test_a_variant_trains_with_a_loss_that_another_plugin_registered(tmp_path: Path) -> None:
    """The point of registering losses by name: vanilla's MLPs on the example plugin's least squares,
    chosen in the configuration like any other loss."""
    registry = create_registry()
    vanilla = registry.variant("vanilla")
    config = resolve_config(
        vanilla, overrides=[*TINY_TRAIN, "g_hidden=[16]", "d_hidden=[16]", "loss=least-squares-example"]
    )
    game = vanilla.build_game(config.model, DataInfo(shape=(2,), kind="points"), registry)
    assert type(game.loss).__name__ == "LeastSquaresLoss" and isinstance(game.loss, Loss)
    result = GanTrainer(vanilla, config, tmp_path / "chosen", registry=registry).fit()
    assert result.steps == 4 and all(math.isfinite(v) for v in result.last_scalars.values())


def test_the_core_step_asks_the_looked_up_loss_for_each_update(tmp_path: Path) -> None:
    registry = create_registry()
    vanilla = registry.variant("vanilla")
    least_squares = registry.loss("least-squares-example").factory(real_target=1.0, fake_target=-1.0)
    calls: Counter[str] = Counter()

    @attrs.frozen
    class Counting:
        """Delegates to the example's loss and counts what the core's step asks of it."""

        relativistic = False

        def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
            calls["discriminator_loss"] += 1
            return least_squares.discriminator_loss(real_scores, fake_scores)

        def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
            calls["generator_loss"] += 1
            assert real_scores is None  # not relativistic: the generator's update scores no real data
            return least_squares.generator_loss(real_scores, fake_scores)

    def build(config: Any, data: DataInfo) -> Game:
        return attrs.evolve(vanilla.build(config, data), loss=Counting())

    mixed = Variant(name="vanilla-least-squares", config_cls=vanilla.config_cls, build=build)
    config = resolve_config(mixed, overrides=[*TINY_TRAIN, "g_hidden=[16]", "d_hidden=[16]", "d_steps=2"])
    result = GanTrainer(mixed, config, tmp_path / "mixed", registry=registry).fit()
    assert calls == {"discriminator_loss": 8, "generator_loss": 4}  # 4 steps of k=2 D updates and 1 G update
    assert all(math.isfinite(v) for v in result.last_scalars.values())
