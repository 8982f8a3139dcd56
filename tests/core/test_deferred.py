"""Deferred registrations: named now, imported when first used; and a `gan` that answers without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gan_core import Deferred, PluginError, Variant, create_registry, hookimpl
from gan_core._builtins import DATASET_NAMES, LOSS_NAMES
from gan_core._datasets import DATASETS
from gan_core.cli import main
from gan_core.losses import CORE_LOSSES


@pytest.fixture
def heavy_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module ``heavy_thing`` on sys.path that counts its imports in ``IMPORTS`` of module ``heavy_counter``."""
    (tmp_path / "heavy_counter.py").write_text("IMPORTS = 0\n")
    (tmp_path / "heavy_thing.py").write_text(
        textwrap.dedent(
            """
            import attrs
            import heavy_counter
            from gan_core import Variant

            @attrs.frozen
            class Config:
                size: int = 1

            heavy_counter.IMPORTS += 1
            SPECS = (Variant(name="later-a", config_cls=Config, build=print),
                     Variant(name="later-b", config_cls=Config, build=print))
            SINGLE = SPECS[0]
            """
        )
    )
    (tmp_path / "broken_thing.py").write_text("raise RuntimeError('half installed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "heavy_thing"
    for name in ("heavy_counter", "heavy_thing", "broken_thing"):
        sys.modules.pop(name, None)


class _LazyPlugin:
    __name__ = "lazy"

    @hookimpl
    def gan_register_variants(self, register: object) -> None:
        register(Deferred("later-a", "heavy_thing:SPECS"))  # type: ignore[operator]
        register(Deferred("later-b", "heavy_thing:SPECS"))  # type: ignore[operator]
        register(Deferred("later-c", "broken_thing:ANYTHING"))  # type: ignore[operator]


def test_a_deferred_item_is_imported_when_first_looked_up(heavy_module: str) -> None:
    registry = create_registry(plugins=[_LazyPlugin()], entry_points=False, strict=True)
    import heavy_counter  # type: ignore[import-not-found]

    assert registry.variants.names()[-3:] == ["later-a", "later-b", "later-c"]
    assert "later-a" in registry.variants and heavy_counter.IMPORTS == 0
    assert isinstance(registry.variants.entry("later-b"), Deferred)
    variant = registry.variant("later-b")
    assert isinstance(variant, Variant) and variant.name == "later-b"
    assert registry.variant("lazy:later-a").name == "later-a"
    assert registry.variants.entry("later-b") is variant  # kept: loaded once
    assert heavy_counter.IMPORTS == 1


def test_a_deferred_item_that_fails_to_import_is_one_line(heavy_module: str) -> None:
    registry = create_registry(plugins=[_LazyPlugin()], entry_points=False, strict=True)
    with pytest.raises(PluginError) as caught:
        registry.variant("later-c")
    message = str(caught.value)
    assert "\n" not in message
    assert "plugin 'lazy': variant 'later-c' could not be loaded from broken_thing:ANYTHING" in message
    assert "RuntimeError: half installed" in message


def test_the_object_must_carry_the_registered_name(heavy_module: str) -> None:
    with pytest.raises(LookupError, match="holds nothing named 'other'"):
        Deferred("other", "heavy_thing:SPECS").load()
    assert Deferred("later-a", "heavy_thing:SINGLE").load().name == "later-a"
    with pytest.raises(LookupError):
        Deferred("later-b", "heavy_thing:SINGLE").load()


@pytest.mark.parametrize("target", ["heavy_thing", ":SPECS", "heavy_thing:"])
def test_a_target_is_module_colon_attribute(target: str) -> None:
    with pytest.raises(ValueError, match="module:attribute"):
        Deferred("x", target)


class _Misspelt:
    __name__ = "misspelt"

    @hookimpl
    def gan_register_variants(self, register: object) -> None:
        register(Deferred("typo", "heavy_thingz.sub:SPECS"))  # type: ignore[operator]


def test_a_missing_module_makes_the_plugin_broken_at_registration(heavy_module: str) -> None:
    registry = create_registry(plugins=[_Misspelt()], entry_points=False, strict=False)
    report = next(p for p in registry.plugins if p.name == "misspelt")
    assert not report.ok and "no module named 'heavy_thingz.sub'" in (report.error or "")
    assert "typo" not in registry.variants


def test_the_core_registers_the_names_its_collections_hold() -> None:
    assert tuple(spec.name for spec in DATASETS) == DATASET_NAMES
    assert tuple(spec.name for spec in CORE_LOSSES) == LOSS_NAMES


def test_a_broken_deferred_command_is_one_line(capsys: pytest.CaptureFixture[str], heavy_module: str) -> None:
    class BrokenCommand:
        __name__ = "broken-command"

        @hookimpl
        def gan_register_commands(self, register: object) -> None:
            register(Deferred("explode", "broken_thing:COMMAND", "a command whose module is broken"))  # type: ignore[operator]

    registry = create_registry(plugins=[BrokenCommand()], entry_points=False, strict=True)
    assert main(["--help"], registry=registry) == 0
    assert "a command whose module is broken" in capsys.readouterr().out
    assert main(["explode"], registry=registry) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan explode: error: plugin 'broken-command': command 'explode' could not be loaded")
    assert err.count("\n") == 1


_NO_TORCH = """
import sys
from gan_core.cli import main
code = main({argv!r})
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {{"torch", "numpy", "accelerate"}})
print("HEAVY", heavy[:5], file=sys.stderr)
raise SystemExit(1 if heavy else code)
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["plugins"], ["plugins", "--json"], ["train", "--help"], ["sample", "--help"]]
)
def test_help_and_plugins_import_no_torch(argv: list[str]) -> None:
    """Whatever is installed: every plugin registered as gan-core's own do, with Deferred (a plugin that
    registers objects directly imports torch, and fails this on purpose: see docs/plugin-authors.md)."""
    done = subprocess.run([sys.executable, "-c", _NO_TORCH.format(argv=argv)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
