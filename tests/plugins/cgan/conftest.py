"""Fixtures for the cgan plugin's tests.

They must pass with only gan-core and gan-plugin-cgan installed (its losses are the core's since
gan-core 0.2) and must not see any other plugin that happens to be installed: registries hold the core
and ``gan_plugin_cgan.plugin`` only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import gan_plugin_cgan.plugin
from gan_core import Registry, create_registry
from gan_core.testing import isolated_plugin_settings


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's plugin settings or a registry cached by another test."""
    with isolated_plugin_settings(monkeypatch):
        yield


@pytest.fixture
def registry() -> Registry:
    return create_registry(plugins=[gan_plugin_cgan.plugin], entry_points=False)
