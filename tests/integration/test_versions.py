"""Every distribution's ``__version__`` is the version its metadata declares, so ``gan plugins`` and the
records that runs and metrics write name the release that actually ran."""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = sorted([ROOT / "core", *(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))])


def _package(dist: Path) -> str:
    return next(p.name for p in (dist / "src").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda p: p.name)
def test_the_package_version_is_the_distributions(dist: Path) -> None:
    name = tomllib.loads((dist / "pyproject.toml").read_text())["project"]["name"]
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.skip(f"{name} is not installed in this environment")
    module = importlib.import_module(_package(dist))
    assert module.__version__ == installed


def _released_version() -> str:
    """The newest ``## X.Y.Z`` heading of CHANGELOG.md (``## Unreleased`` is not a release)."""
    for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "##" and words[1][:1].isdigit():
            return words[1]
    raise AssertionError("CHANGELOG.md has no released version heading (## X.Y.Z)")


def test_every_distribution_declares_the_changelogs_newest_release() -> None:
    """gan-core and the plugins share one version line, written by hand in each pyproject.toml: a release
    bumps them all and adds its CHANGELOG.md heading, or this fails (so does ``nox -s dist``)."""
    released = _released_version()
    declared = {
        dist.relative_to(ROOT).as_posix(): tomllib.loads((dist / "pyproject.toml").read_text())["project"]["version"]
        for dist in DISTRIBUTIONS
    }
    assert declared == dict.fromkeys(declared, released), f"CHANGELOG.md's newest release is {released}"
