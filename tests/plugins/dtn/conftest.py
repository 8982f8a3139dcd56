"""Fixtures for the DTN plugin's tests.

They must pass with only gan-core and gan-plugin-dtn installed and must not see any other plugin that
happens to be installed: registries hold the core and ``gan_plugin_dtn.plugin`` only. Pretrained
weights are real but tiny: a few Adam steps of a narrow f on a few hundred rendered digits (source) and
of a classifier on random grey images (target), written once per session.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dtn_helpers import CLASSIFIER_WEIGHTS, F_WEIGHTS, WEIGHTS_DIR, tiny_source, tiny_target

import gan_plugin_dtn.plugin
from gan_core import Registry, create_registry
from gan_core.testing import isolated_plugin_settings
from gan_plugin_dtn.pretrain import PretrainSettings, save_classifier, train_classifier


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's plugin settings or a registry cached by another test."""
    with isolated_plugin_settings(monkeypatch):
        yield


@pytest.fixture
def registry() -> Registry:
    return create_registry(plugins=[gan_plugin_dtn.plugin], entry_points=False)


@pytest.fixture(scope="session", autouse=True)
def weights() -> Iterator[dict[str, Path]]:
    """``{"f": ..., "classifier": ...}``: weight files written by the real pretraining code."""
    settings = PretrainSettings(steps=3, batch_size=16, widths=(8, 16, 32))  # a narrow f keeps tests fast
    source, target = tiny_source(), tiny_target()
    f = train_classifier(source, source, settings)
    classifier = train_classifier(target, target, settings)
    yield {
        "f": save_classifier(f, F_WEIGHTS, role="source", dataset="tiny"),
        "classifier": save_classifier(classifier, CLASSIFIER_WEIGHTS, role="target", dataset="tiny"),
    }
    shutil.rmtree(WEIGHTS_DIR, ignore_errors=True)
