"""Fixtures for the r3gan plugin's tests: with only gan-core and gan-plugin-r3gan installed, and
registries that hold the core and ``gan_plugin_r3gan.plugin`` only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import gan_plugin_r3gan.plugin
from gan_core import Registry, create_registry
from gan_core.testing import isolated_plugin_settings


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with isolated_plugin_settings(monkeypatch):
        yield


@pytest.fixture
def registry() -> Registry:
    return create_registry(plugins=[gan_plugin_r3gan.plugin], entry_points=False)
