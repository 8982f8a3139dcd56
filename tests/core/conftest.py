"""Fixtures for the core's tests: a registry with only the core and the ``tiny`` test variant, and a
folder on sys.path where a test "installs" plugins by writing ``*.dist-info`` folders.

Nothing here depends on what plugins happen to be installed: registries are built with
``entry_points=False``, or with ``GAN_PLUGINS`` naming exactly the fake distributions a test wrote.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import core_tiny
import pytest

from gan_core import Registry, create_registry
from gan_core.testing import isolated_plugin_settings


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's plugin settings or a registry cached by another test."""
    with isolated_plugin_settings(monkeypatch):
        yield


@pytest.fixture
def registry() -> Registry:
    """The core plus the tiny variant, and nothing that happens to be installed."""
    return create_registry(plugins=[core_tiny], entry_points=False, strict=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for fake distributions; modules imported from it are forgotten afterwards."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules.get(name), "__file__", None) or ""
        if module_file.startswith(str(folder)):
            del sys.modules[name]
