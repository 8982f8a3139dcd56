"""What ``Variant.build_game`` makes of a builder's game: losses by name, 0.1 losses, labels, and the
kit's checks of what a game's networks produce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import torch
from core_helpers import tiny_config
from torch import Tensor, nn

from gan_core import (
    ConfigError,
    DataInfo,
    Game,
    GanDeprecationWarning,
    GanTrainer,
    LossSpec,
    Noise,
    Variant,
    create_registry,
    hookimpl,
    load_generator,
)
from gan_core.testing import check_models

POINTS = DataInfo(shape=(2,), kind="points", num_classes=4)


def _with(**changes: Any) -> Variant:
    """``tiny`` with its game changed."""
    return attrs.evolve(
        core_tiny.TINY, build=lambda config, data: attrs.evolve(core_tiny.build(config, data), **changes)
    )


class _HalfMigrated(core_tiny.LogitBCELoss):
    """A loss moved to 0.2's signature that still carries 0.1's ``penalty``."""

    def __init__(self) -> None:
        self.calls = 0

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        self.calls += 1
        return discriminator(real).square().mean()


def test_a_penalty_left_on_a_migrated_loss_is_kept_with_a_warning() -> None:
    loss = _HalfMigrated()
    variant = _with(loss=loss)
    with pytest.warns(GanDeprecationWarning, match="has a penalty\\(\\) method; move it into a regulariser"):
        game = variant.build_game(tiny_config().model, POINTS)
    assert game.loss is loss and [r.name for r in game.regularizers] == ["penalty"]


def test_a_generator_that_reads_labels_needs_a_conditional_variant() -> None:
    variant = _with(inputs=Noise(4, num_classes=4))
    with pytest.raises(TypeError, match="must declare conditional=True"):
        variant.build_game(tiny_config().model, POINTS)
    conditional = attrs.evolve(variant, conditional=True)
    assert conditional.build_game(tiny_config().model, POINTS).inputs == Noise(4, num_classes=4)


def test_a_conditional_variant_gives_its_noise_the_data_sets_classes() -> None:
    game = attrs.evolve(core_tiny.TINY, conditional=True).build_game(tiny_config().model, POINTS)
    assert game.inputs == Noise(4, num_classes=4)


class _ExtraLoss:
    @hookimpl
    def gan_register_losses(self, register: Any) -> None:
        register(LossSpec("extra", core_tiny.LogitBCELoss, "a loss another plugin registers"))


def test_sampling_a_run_needs_no_loss_so_its_plugin_may_be_gone(tmp_path: Path) -> None:
    named = _with(loss="extra")
    with_loss = create_registry(plugins={"tiny": _Variants(named), "extra": _ExtraLoss()}, entry_points=False)
    GanTrainer(named, tiny_config(steps=1), tmp_path / "run", registry=with_loss).fit()
    without = create_registry(plugins={"tiny": _Variants(named)}, entry_points=False)
    with pytest.raises(ConfigError, match=r"model\.loss: unknown loss 'extra'"):
        named.build_game(tiny_config().model, POINTS, without)
    run = load_generator(tmp_path / "run", without)
    assert torch.isfinite(run.generator(run.inputs.fixed(3, seed=0).x)).all()


class _Variants:
    def __init__(self, *variants: Variant) -> None:
        self.variants = variants

    @hookimpl
    def gan_register_variants(self, register: Any) -> None:
        for variant in self.variants:
            register(variant)


def test_the_kit_builds_an_image_variant_for_three_channel_images_even_when_told_points() -> None:
    """``tiny`` takes points and images; a builder that cannot make colour images fails the kit's model
    check even when the kit's own shape is 2-D points."""

    def grey_only(config: Any, data: DataInfo) -> Game:
        if data.kind == "image" and data.shape[0] != 1:
            raise ValueError(f"only grey images, got {data.shape}")
        return core_tiny.build(config, data)

    variant = attrs.evolve(core_tiny.TINY, name="grey", build=grey_only)
    with pytest.raises(AssertionError, match=r"\(3, 32, 32\).*only grey images"):
        check_models(variant, data_shape=(2,))
    check_models(attrs.evolve(variant, data_kinds=frozenset({"points"})), data_shape=(2,))
