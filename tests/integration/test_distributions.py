"""The distributions as pip installed them: metadata, entry points, and what ``gan plugins`` reports."""

from __future__ import annotations

import json
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest
from integration_support import REQUIRED_PLUGINS, clean_env, gan, run
from packaging.requirements import Requirement

from gan_core import ENTRY_POINT_GROUP, create_registry


def _gan_entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def test_every_plugin_depends_on_a_gan_core_range_that_includes_the_installed_one() -> None:
    core_version = metadata.version("gan-core")
    for ep in _gan_entry_points():
        assert ep.dist is not None
        requirements = [Requirement(text) for text in ep.dist.requires or []]
        core = [r for r in requirements if r.name == "gan-core"]
        assert core, f"{ep.dist.name} does not declare a dependency on gan-core"
        assert core[0].specifier.contains(core_version), f"{ep.dist.name}: {core[0]} excludes gan-core {core_version}"
        assert not core[0].specifier.contains("1.0.0"), f"{ep.dist.name}: {core[0]} admits the next major gan-core"


def test_every_distribution_ships_its_type_marker() -> None:
    packages = ["gan_core", *{ep.value.split(".")[0].split(":")[0] for ep in _gan_entry_points()}]
    for package in packages:
        assert resources.files(package).joinpath("py.typed").is_file(), f"{package} is installed without py.typed"


def test_gan_plugins_lists_every_installed_plugin_with_its_version(tmp_path: Path) -> None:
    listed = gan("plugins", "--json", cwd=tmp_path)
    assert listed.code == 0, listed.err
    rows = {row["name"]: row for row in json.loads(listed.out)}
    assert rows["core"]["builtin"] is True
    for ep in _gan_entry_points():
        assert ep.dist is not None
        assert rows[ep.name]["version"] == ep.dist.version
        assert rows[ep.name]["error"] is None
    assert rows["vanilla"]["provides"]["variant"] == ["vanilla", "dirac-gan"]
    assert rows["example"]["provides"] == {"variant": ["lsgan-example"], "loss": ["least-squares-example"]}


def test_python_dash_m_gives_the_same_command(tmp_path: Path) -> None:
    """``python -m gan_core.cli`` is what ``torchrun -m`` runs; it must be the ``gan`` script's twin."""
    script = gan("plugins", cwd=tmp_path)
    module = run([sys.executable, "-m", "gan_core.cli", "plugins"], tmp_path)
    assert script.code == module.code == 0, script.err + module.err
    assert script.out == module.out
    assert [line.split()[0] for line in script.out.splitlines()] == ["core", *(ep.name for ep in _gan_entry_points())]


@pytest.mark.parametrize("only", ["example", "example,vanilla", ""])
def test_gan_plugins_env_selects_entry_points(tmp_path: Path, only: str) -> None:
    listed = gan("plugins", "--json", cwd=tmp_path, env=clean_env(GAN_PLUGINS=only))
    assert listed.code == 0, listed.err
    names = [row["name"] for row in json.loads(listed.out)]
    assert names == ["core", *sorted(filter(None, only.split(",")))]


def test_a_variant_left_out_by_gan_plugins_is_a_one_line_error(tmp_path: Path) -> None:
    only_example = clean_env(GAN_PLUGINS="example")
    trained = gan("train", "vanilla", "--steps", "1", "--out", "run", cwd=tmp_path, env=only_example)
    assert trained.code == 2
    assert trained.err.strip().splitlines() == ["gan train: error: unknown variant 'vanilla'; available: lsgan-example"]
    assert not (tmp_path / "run").exists()


def test_names_are_unique_across_distributions() -> None:
    """Strict loading of everything installed succeeds, and no bare name is claimed by two of our plugins,
    so every documented command works without a plugin prefix."""
    registry = create_registry(strict=True)
    assert not registry.broken
    for name in REQUIRED_PLUGINS:
        assert any(report.name == name for report in registry.plugins)
    for kind in ("variant", "loss", "dataset", "metric", "feature extractor", "command"):
        table = registry.table(kind)
        assert all(":" not in name for name in table.names()), f"two plugins register one {kind} name"
    assert registry.variants.qualify("vanilla") == "vanilla:vanilla"
    assert registry.variants.qualify("lsgan-example") == "example:lsgan-example"
    assert registry.losses.qualify("least-squares-example") == "example:least-squares-example"
    assert registry.losses.qualify("non-saturating") == "core:non-saturating"  # the core owns the standard losses
