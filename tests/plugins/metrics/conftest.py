"""Fixtures shared by the metrics plugin's tests: no test sees the developer's plugin settings, and
the registries hold the metrics plugin and the tiny test variants only (see ``_tiny_runs``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _tiny_runs import make_registry

from gan_core import Registry
from gan_core.testing import isolated_plugin_settings


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with isolated_plugin_settings(monkeypatch):
        yield


@pytest.fixture(scope="module")
def registry() -> Registry:
    return make_registry()
