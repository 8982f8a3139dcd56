"""The installed ``gan`` command, in a fresh process, with hand-installed plugins (one broken).

Each process pays for importing torch, so only what needs a real install runs here; the strict mode
and every error message are tested in-process (test_plugins.py, test_cli.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from core_helpers import TESTS_DIR, install_fake_distribution

from gan_core import _plugins as plugins


def gan_command() -> list[str]:
    script = Path(sys.executable).parent / "gan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gan_core.cli"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two fake distributions: one whose plugin fails to import, one that provides ``tiny``."""
    site = tmp_path_factory.mktemp("site")
    install_fake_distribution(
        site,
        "gan-plugin-broken",
        "0.0.1",
        {"broken": "fake_gan_broken_on_import"},
        {"fake_gan_broken_on_import": "import a_module_that_does_not_exist\n"},
    )
    install_fake_distribution(site, "gan-plugin-tiny", "0.3.0", {"tiny": "core_tiny"})
    env = {k: v for k, v in os.environ.items() if k != plugins.STRICT_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(TESTS_DIR)])
    env[plugins.ONLY_ENV] = "broken,tiny"  # never whatever else is installed
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_plugins_flags_the_broken_one(environment: dict[str, str], tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "gan_core.cli", "plugins"], environment, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["core", "broken", "tiny"]
    assert lines[1].startswith("broken 0.0.1 (from gan-plugin-broken)  BROKEN, skipped: ModuleNotFoundError: No module")
    assert lines[2] == "tiny 0.3.0 (from gan-plugin-tiny)  variants: tiny"


def test_train_works_beside_a_broken_plugin(environment: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "run"
    trained = run(
        [*gan_command(), "train", "tiny", "--dataset", "ring8", "--steps", "5", "--out", str(out)],
        environment,
        tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    warnings = [line for line in trained.stderr.splitlines() if "warning" in line.lower()]
    assert len(warnings) == 1, trained.stderr
    assert warnings[0].startswith("gan: warning: plugin 'broken' (0.0.1) was skipped: ModuleNotFoundError")
    assert trained.stdout.startswith("trained tiny to step 5")
    assert (out / "checkpoints" / "step_00000005").is_dir()


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """``gan plugins --json | head -1`` must not end in a BrokenPipeError traceback."""
    script = f"{sys.executable} -m gan_core.cli plugins --json | head -c 1 > /dev/null; echo ${{PIPESTATUS[0]}}"
    env = {**os.environ, "GAN_PLUGINS": ""}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "0"
