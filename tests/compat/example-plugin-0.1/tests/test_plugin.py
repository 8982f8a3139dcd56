"""Registration through the hooks, as gan-core's loader sees it, and the config as users write it."""

from __future__ import annotations

import pytest

import gan_plugin_example.plugin
from gan_core import ConfigError, Registry, create_registry, resolve_config
from gan_plugin_example import LSGAN_EXAMPLE, LeastSquaresLoss


@pytest.fixture
def registry() -> Registry:
    # Pass the plugin module explicitly and skip entry points: the test sees exactly this plugin,
    # whatever else is installed.
    return create_registry(plugins=[gan_plugin_example.plugin], entry_points=False)


def test_hooks_register_the_variant_and_the_loss(registry: Registry) -> None:
    assert registry.variant("lsgan-example") is LSGAN_EXAMPLE
    assert isinstance(registry.loss("least-squares-example").factory(), LeastSquaresLoss)
    report = next(p for p in registry.plugins if p.name == "gan_plugin_example.plugin")
    assert report.ok
    assert report.provides == {"variant": ("lsgan-example",), "loss": ("least-squares-example",)}


def test_train_defaults_and_overrides_compose() -> None:
    config = resolve_config(LSGAN_EXAMPLE, overrides=["model.g_hidden=[64, 32]", "lr=1e-3", "steps=10"])
    assert config.train.dataset == "ring8"  # from the variant's train_defaults
    assert config.train.steps == 10
    assert config.model.g_hidden == (64, 32)
    assert config.model.lr == 1e-3


def test_equal_targets_are_rejected_with_the_field_named() -> None:
    with pytest.raises(ConfigError, match=r"^model\.real_target: must differ from fake_target"):
        resolve_config(LSGAN_EXAMPLE, overrides=["real_target=0.0"])
