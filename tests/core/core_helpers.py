"""Helpers shared by the core's tests (a module of its own: several test folders have a conftest.py,
so ``from conftest import ...`` could pick up the wrong one when the whole suite runs)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import torch

from gan_core import DataInfo, Registry, RunConfig, Variant, create_registry, hookimpl, resolve_config
from gan_core.cli import main
from gan_core.data import InMemoryDataset, LoadedData

TESTS_DIR = Path(__file__).parent


@attrs.frozen
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(argv: Sequence[str], capsys: pytest.CaptureFixture[str], registry: Registry | None = None) -> CliResult:
    """``gan ARGV`` in this process, with ``registry`` (default: what is installed, as ``gan`` builds it);
    argparse's own exits (errors, ``--help``) count as exit codes."""
    capsys.readouterr()
    try:
        code = main(list(argv), registry=registry)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def with_step(variant: Variant, step: Any, **changes: Any) -> Variant:
    """``variant`` with its game's step replaced (0.2: the step belongs to the game)."""
    build = variant.build
    return attrs.evolve(variant, build=lambda config, data: attrs.evolve(build(config, data), step=step), **changes)


def tiny_config(*overrides: str, **train: object) -> RunConfig:
    """The tiny variant's config: train fields as keywords, anything else as ``--set`` overrides."""
    return resolve_config(core_tiny.TINY, flags=train, overrides=overrides)


def image_data(n: int = 48, shape: tuple[int, ...] = (1, 8, 8), num_classes: int | None = 4) -> LoadedData:
    """A deterministic uint8 image set, to train on images without reading MNIST."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randint(0, 256, (n, *shape), generator=generator, dtype=torch.uint8)
    y = torch.arange(n) % num_classes if num_classes else None
    return LoadedData(InMemoryDataset(x, y), DataInfo(shape=shape, kind="image", num_classes=num_classes))


def install_fake_distribution(
    site: Path, dist: str, version: str, entry_points: dict[str, str], modules: dict[str, str] | None = None
) -> None:
    """Install a distribution by hand: ``importlib.metadata`` finds ``*.dist-info`` on sys.path."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[gan]\n{lines}")
    for module, source in (modules or {}).items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


#: a conditional twin of ``tiny`` (its networks ignore labels: enough to exercise --label's plumbing)
TINY_COND = attrs.evolve(core_tiny.TINY, name="tiny-cond", conditional=True)


class _CondPlugin:
    @hookimpl
    def gan_register_variants(self, register: Any) -> None:
        register(TINY_COND)


def cli_registry() -> Registry:
    """The core, ``tiny`` and ``tiny-cond``, and nothing that happens to be installed."""
    return create_registry(plugins=[core_tiny, _CondPlugin()], entry_points=False, strict=False)


def one_line_error(result: CliResult, *fragments: str, top_level: bool = False) -> str:
    """Exit code 2, nothing on stdout, and one ``gan COMMAND: error: ...`` line holding ``fragments``
    (``gan: error: ...`` with ``top_level``: an error before any command was chosen)."""
    assert result.code == 2, result
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    if top_level:
        assert line.startswith("gan: error: "), line
    else:
        assert line.startswith("gan ") and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, line
    return line
