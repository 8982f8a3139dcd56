"""A plugin written for gan-core 0.1 keeps working on 0.2, with warnings that say what to change.

``tests/compat/example-plugin-0.1`` is docs/example-plugin exactly as it was in gan-core 0.1 (a
``GanModels`` builder, a loss with ``generator_loss(fake_scores)`` and ``penalty``). Its own test
suite runs here, unchanged, against this gan-core; it is imported from its source folder in a
subprocess, so that it never meets the 0.2 example plugin of the same package name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from gan_core import GanDeprecationWarning

V01_PLUGIN = Path(__file__).resolve().parents[1] / "compat" / "example-plugin-0.1"


def test_the_0_1_example_plugin_passes_its_own_tests_and_is_told_what_to_change(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(V01_PLUGIN / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("GAN_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "always::DeprecationWarning", "tests"],
        cwd=V01_PLUGIN,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
    # the author learns what to change, in the words of the migration guide
    assert "build returned GanModels; return gan_core.Game instead" in done.stdout
    assert "has 0.1's generator_loss(fake_scores)" in done.stdout
    assert "Migrating a 0.1 plugin" in done.stdout


def test_the_warning_says_what_replaces_a_helper_that_is_gone() -> None:
    import gan_core.training.checkpoint as old

    with pytest.warns(GanDeprecationWarning, match=r"latest_checkpoint: use RunDir\(run_dir\).latest_checkpoint\(\)"):
        assert old.latest_checkpoint is not None
    with pytest.warns(GanDeprecationWarning, match=r"real_subset: import real_subset from gan_core.data"):
        import gan_core.training.evaluation as old_evaluation

        assert old_evaluation.real_subset is not None


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("gan_core.variant", "DataInfo"),
        ("gan_core.variant", "GanModels"),
        ("gan_core.config", "positive"),
        ("gan_core.registry", "Registry"),
        ("gan_core.runs", "load_generator"),
        ("gan_core.sampling", "sample_latent"),
        ("gan_core.training.step", "StepContext"),
        ("gan_core.training.checkpoint", "latest_checkpoint"),
        ("gan_core.training.evaluation", "EvalContext"),
        ("gan_core.cli.commands", "CommandSpec"),
        ("gan_core.data.registry", "LoadedData"),
        ("gan_core.plugins", "create_registry"),
    ],
)
def test_a_0_1_module_path_still_imports_with_a_warning_naming_the_new_home(module: str, name: str) -> None:
    import importlib

    with pytest.warns(GanDeprecationWarning, match=rf"{module}\.{name}: (import {name} from gan_core|use )"):
        value = getattr(importlib.import_module(module), name)
    assert value is not None


def test_0_2_code_imports_nothing_deprecated() -> None:
    """The public API itself never warns: importing and using it is silent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", GanDeprecationWarning)
        import gan_core
        import gan_core.testing

        for name in gan_core.__all__:
            getattr(gan_core, name)
