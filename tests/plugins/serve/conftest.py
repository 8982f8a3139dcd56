"""Fixtures for the serve plugin's tests: one small trained run of each kind, and a live server.

They run with gan-core, gan-plugin-serve and the three plugins whose runs it serves here (vanilla:
noise, cgan: conditional, dtn: translation; the serve plugin's test extra). The runs are real but
tiny: narrow networks, a few dozen steps on mnist-5k; DTN translates mnist-5k into itself with an f
pretrained for a few steps, so that no rendered data set has to be made.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import gan_plugin_cgan.plugin
import gan_plugin_dtn.plugin
import gan_plugin_serve.plugin
import gan_plugin_vanilla.plugin
from gan_core import GanTrainer, Registry, create_registry, resolve_config
from gan_plugin_dtn.pretrain import PretrainSettings, pretrain

PLUGINS = [gan_plugin_vanilla.plugin, gan_plugin_cgan.plugin, gan_plugin_dtn.plugin, gan_plugin_serve.plugin]


def serve_registry() -> Registry:
    return create_registry(plugins=PLUGINS, entry_points=False)


def _train(registry: Registry, name: str, out: Path, steps: int, **settings: object) -> Path:
    variant = registry.variant(name)
    flags = {"steps": steps, "batch_size": 32, "log_every": 5, "sample_every": 0, "checkpoint_every": 0}
    overrides = ["progress=false", "threads=1", *(f"{k}={v}" for k, v in settings.items())]
    GanTrainer(variant, resolve_config(variant, flags=flags, overrides=overrides), out, registry=registry).fit()
    return out


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"noise": ..., "conditional": ..., "translation": ...}``: run directories."""
    root = tmp_path_factory.mktemp("serve-runs")
    registry = serve_registry()
    settings = PretrainSettings(steps=10, batch_size=32, widths=(8, 16, 32))  # a narrow f, a few steps
    _, f_weights = pretrain("source", "mnist-5k", registry, root / "data", settings, root / "f.safetensors")
    return {
        "noise": _train(registry, "vanilla", root / "digits", 30, g_hidden="[64]", d_hidden="[64]"),
        "conditional": _train(registry, "cgan", root / "classes", 30, g_hidden="[64]", d_hidden="[64]"),
        "translation": _train(
            registry,
            "dtn",
            root / "transfer",
            4,
            source="mnist-5k",
            f_weights=str(f_weights),
            g_widths="[16, 8, 4]",
            d_widths="[4, 8, 16]",
            eval_every=0,
        ),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``gan serve`` on the three runs, as a user starts it, on a free local port: its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve-log") / "server.log"
    env = {**os.environ, "GAN_STRICT_PLUGINS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "gan_core", "serve", *map(str, runs.values()), "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/api/runs", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gan serve did not start: {log.read_text()[-3000:]}") from None
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
