"""Fixtures for tests of the distributions installed side by side (the ``integration`` nox session).

These tests run the real, installed ``gan`` command and entry points: gan-core, every plugin in
``plugins/`` and the example plugin in ``docs/example-plugin`` must be installed (``nox -s
integration`` does it). Subprocesses get a clean environment with ``GAN_STRICT_PLUGINS=1``, so a
plugin that fails to load fails the test instead of being skipped quietly.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata

import pytest
from integration_support import REQUIRED_PLUGINS

from gan_core import _plugins as plugins
from gan_core.testing import isolated_plugin_settings


@pytest.fixture(scope="session", autouse=True)
def _installed_plugins() -> None:
    found = {ep.name for ep in metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)}
    missing = [name for name in REQUIRED_PLUGINS if name not in found]
    if missing:
        pytest.fail(
            f"plugins {missing} are not installed; these tests need gan-core, plugins/* and docs/example-plugin "
            "installed together: run `nox -s integration`",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process tests see every installed plugin, strictly, and no registry cached by another test."""
    with isolated_plugin_settings(monkeypatch, strict=True):
        yield
