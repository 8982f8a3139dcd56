"""The conformance kit must be able to fail: the vanilla variant with one contract broken at a time.

Each broken variant is vanilla with a single defect a plugin author could plausibly make; the kit
must reject it with a message that points at that defect.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import attrs
import pytest
import torch
from torch import Tensor, nn
from vanilla_helpers import MarginPlugin

from gan_core import DataInfo, Game, Variant, one_of
from gan_core.testing import (
    check_checkpoint_resume,
    check_config_class,
    check_models,
    check_rejects_bad_config,
    check_sampling,
    check_training_step,
    check_variant,
    synthetic_data,
    tiny_run_config,
)
from gan_plugin_vanilla import VANILLA, VanillaConfig

SMALL = {"latent_dim": 4, "g_hidden": [8], "d_hidden": [8]}


def _broken(name: str, transform: Any) -> Variant:
    """Vanilla whose built game passes through ``transform(game) -> Game``."""

    def build(config: VanillaConfig, data: DataInfo) -> Game:
        return transform(VANILLA.build(config, data))

    return attrs.evolve(VANILLA, name=name, build=build)


class _Wrapped(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner


def test_synthetic_data_and_tiny_config() -> None:
    points = synthetic_data((2,), n=64, num_classes=3, seed=5)
    again = synthetic_data((2,), n=64, num_classes=3, seed=5)
    x, y = points.dataset.get_batch(torch.arange(64))  # type: ignore[attr-defined]
    assert points.info == DataInfo(shape=(2,), kind="points", num_classes=3)
    assert x.shape == (64, 2) and x.min() >= -1 and x.max() <= 1
    assert y is not None and set(y.tolist()) == {0, 1, 2}
    assert torch.equal(x, again.dataset.get_batch(torch.arange(64))[0])  # type: ignore[attr-defined]
    assert synthetic_data((1, 4, 4)).info.kind == "image"
    with pytest.raises(ValueError, match="shape"):
        synthetic_data((4, 4))
    config = tiny_run_config(VANILLA, g_hidden=[8], steps=3, **{"model.lr": 1e-3})
    assert config.train.steps == 3 and config.train.batch_size == 8 and not config.train.progress
    assert config.model.g_hidden == (8,) and config.model.lr == 1e-3
    assert config.train.dataset == VANILLA.train_defaults["dataset"]


def test_check_variant_passes_vanilla_in_one_call(tmp_path: Path) -> None:
    check_variant(VANILLA, tmp_path, data_shape=(3,), config_overrides=SMALL, bad_config={"lr": [-1.0]})


def test_mutable_config_class_is_caught() -> None:
    @attrs.define
    class MutableConfig:
        latent_dim: int = 4

    variant = attrs.evolve(VANILLA, name="mutable", config_cls=MutableConfig)
    with pytest.raises(AssertionError, match=r"'mutable'.*is mutable; use @attrs.frozen"):
        check_config_class(variant)


def test_an_invalid_unrecorded_value_is_caught() -> None:
    """A run older than a setting is read back with the setting's unrecorded value: one that the
    validators refuse would make every such run unreadable, so the kit refuses it first."""

    def grown(unrecorded: str) -> Variant:
        @attrs.frozen(kw_only=True)
        class GrownConfig(VanillaConfig):
            stem: str = attrs.field(default="new", validator=one_of("old", "new"), metadata={"unrecorded": unrecorded})

        return attrs.evolve(VANILLA, name="grown", config_cls=GrownConfig)

    check_config_class(grown("old"))
    with pytest.raises(AssertionError, match=r"'grown'.*the 'unrecorded' values of stem do not make a valid config"):
        check_config_class(grown("od"))


def test_an_unrecorded_value_on_a_field_that_may_be_none_is_caught() -> None:
    """config.toml leaves None out: a run that set such a field to None would read back as unrecorded."""

    @attrs.frozen(kw_only=True)
    class OptionalConfig(VanillaConfig):
        stem: str | None = attrs.field(default=None, metadata={"unrecorded": "old"})

    variant = attrs.evolve(VANILLA, name="optional", config_cls=OptionalConfig)
    with pytest.raises(AssertionError, match=r"'optional'.*stem may be None and names an 'unrecorded' value"):
        check_config_class(variant)


def test_discriminator_returning_batch_by_one_is_caught() -> None:
    class Unflattened(_Wrapped):
        def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
            return self.inner(x, y)[:, None]

    variant = _broken("unflattened", lambda game: attrs.evolve(game, discriminator=Unflattened(game.discriminator)))
    with pytest.raises(AssertionError, match=r"D\(x\) on real samples has shape \(4, 1\), expected \(batch,\)"):
        check_models(variant, config_overrides=SMALL)


def test_generator_of_the_wrong_shape_is_caught() -> None:
    class Flat(_Wrapped):
        def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
            return self.inner(z, y).flatten(1)

    variant = _broken("flat", lambda game: attrs.evolve(game, generator=Flat(game.generator)))
    with pytest.raises(AssertionError, match=r"has shape \(4, 16\), expected \(batch, \*data_shape\) = \(4, 1, 4, 4\)"):
        check_models(variant, data_shape=(1, 4, 4), config_overrides=SMALL)


def test_a_builder_that_ignores_the_channel_count_is_caught() -> None:
    """The kit also builds image variants for three-channel images, where a builder that always makes
    one-channel networks gives samples of the wrong shape."""

    def grey(config: VanillaConfig, data: DataInfo) -> Game:
        return VANILLA.build(config, attrs.evolve(data, shape=(1, *data.shape[1:])))

    variant = attrs.evolve(VANILLA, name="grey", build=grey)
    with pytest.raises(AssertionError, match=r"has shape \(4, 1, 4, 4\), expected .* = \(4, 3, 4, 4\)"):
        check_models(variant, data_shape=(1, 4, 4), config_overrides=SMALL)


def test_a_generator_output_outside_the_value_range_is_caught() -> None:
    class Doubled(_Wrapped):
        def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
            return 2 * self.inner(z, y)

    variant = _broken("doubled", lambda game: attrs.evolve(game, generator=Doubled(game.generator)))
    for shape in [(1, 4, 4), (2,)]:  # images also with saturating noise; points on the kit's noise alone
        with pytest.raises(AssertionError, match=r"outside DataInfo.value_range \(-1.0, 1.0\)"):
            check_models(variant, data_shape=shape, config_overrides=SMALL)


def test_discriminator_scores_in_double_precision_are_caught() -> None:
    class Double(_Wrapped):
        def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
            return self.inner(x, y).double()

    variant = _broken("double", lambda game: attrs.evolve(game, discriminator=Double(game.discriminator)))
    with pytest.raises(AssertionError, match=r"D\(x\) on real samples is torch.float64; scores must be torch.float32"):
        check_models(variant, config_overrides=SMALL)


def test_a_loss_from_a_plugin_the_kit_was_not_given_is_caught() -> None:
    """The kit's registry holds the core's losses and those of ``plugins``, nothing else installed."""
    overrides = {**SMALL, "loss": "margin"}
    with pytest.raises(AssertionError, match=r"raised ConfigError: model\.loss: unknown loss 'margin'"):
        check_models(VANILLA, config_overrides=overrides)
    check_models(VANILLA, config_overrides=overrides, plugins=[MarginPlugin()])


def test_swapped_optimizers_are_caught() -> None:
    variant = _broken(
        "swapped", lambda game: attrs.evolve(game, g_optimizer=game.d_optimizer, d_optimizer=game.g_optimizer)
    )
    with pytest.raises(AssertionError, match="optimizers swapped"):
        check_models(variant, config_overrides=SMALL)


def test_a_network_that_never_learns_is_caught(tmp_path: Path) -> None:
    def freeze_generator(game: Game) -> Game:
        for group in game.g_optimizer.param_groups:
            group["lr"] = 0.0
        return game

    variant = _broken("frozen", freeze_generator)
    with pytest.raises(AssertionError, match="left every generator weight unchanged"):
        check_training_step(variant, tmp_path, config_overrides=SMALL)


def test_state_outside_the_checkpoint_breaks_resume_and_is_caught(tmp_path: Path) -> None:
    class Counting(_Wrapped):
        """Shifts its output by how often it ran in training: a counter no checkpoint holds."""

        calls = 0

        def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
            if self.training:
                self.calls += 1
            return self.inner(z, y) + 0.1 * self.calls

    variant = _broken("counting", lambda game: attrs.evolve(game, generator=Counting(game.generator)))
    with pytest.raises(AssertionError, match=r"after 1 step \+ resume to 2, the (generator|discriminator)'s state"):
        check_checkpoint_resume(variant, tmp_path, config_overrides=SMALL)


def test_a_generator_that_ignores_its_noise_is_caught(tmp_path: Path) -> None:
    class Constant(_Wrapped):
        def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
            return self.inner(torch.zeros_like(z), y)

    variant = _broken("constant", lambda game: attrs.evolve(game, generator=Constant(game.generator)))
    with pytest.raises(AssertionError, match="seeds 0 and 1 gave identical samples: the generator ignores its input"):
        check_sampling(variant, tmp_path, config_overrides=SMALL)


def test_a_generator_that_draws_its_own_noise_is_caught(tmp_path: Path) -> None:
    counter = itertools.count()

    class Noisy(_Wrapped):
        def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
            private = torch.Generator().manual_seed(next(counter))
            return self.inner(z + torch.randn(z.shape, generator=private).to(z.device), y)

    variant = _broken("noisy", lambda game: attrs.evolve(game, generator=Noisy(game.generator)))
    with pytest.raises(AssertionError, match="the same seed gave different samples"):
        check_sampling(variant, tmp_path, config_overrides=SMALL)


def test_unvalidated_and_loosely_typed_fields_are_caught() -> None:
    @attrs.frozen(kw_only=True)
    class LooseConfig:
        latent_dim: int = 4
        lr: float = 1e-3  # no validator

    variant = attrs.evolve(VANILLA, name="loose", config_cls=LooseConfig)
    check_rejects_bad_config(variant)  # wrong types are refused by the core's strict converter
    with pytest.raises(AssertionError, match=r"model\.lr = -1\.0 \(listed in bad_config\) was accepted"):
        check_rejects_bad_config(variant, bad_config={"lr": [-1.0]})
