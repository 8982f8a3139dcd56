"""Plugin loading: one broken plugin is reported and skipped, never fatal (unless strict)."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_tiny
import pytest
from core_helpers import install_fake_distribution, run_cli

from gan_core import DatasetSpec, PluginError, create_registry, hookimpl, plugins
from gan_core.cli.commands import CommandSpec
from gan_core.data.toy import load_toy
from gan_core.registry import Registry
from gan_core.variant import Variant

CORE_DATASETS = {
    "ring8",
    "grid25",
    "mnist-5k",
    "rendered-digits",
    "mnist",
    "fashion-mnist",
    "cifar10",
    "svhn",
    "image-folder",
}


def variant_named(name: str) -> Variant:
    return Variant(name=name, config_cls=core_tiny.TinyConfig, build=core_tiny.build)


def make_plugin(module_name: str, **hooks: Callable[..., None]) -> types.ModuleType:
    """A plugin module whose hook implementations are ``hooks`` (hook name -> function)."""
    module = types.ModuleType(module_name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def registers(*names: str) -> Callable[[Callable[[Any], None]], None]:
    def hook(register: Callable[[Any], None]) -> None:
        for name in names:
            register(variant_named(name))

    return hook


def report(registry: Registry, name: str) -> plugins.PluginReport:
    (found,) = [p for p in registry.plugins if p.name == name]
    return found


# --- the core is a plugin like any other ---------------------------------------------------------


def test_core_registers_its_datasets_and_commands_through_the_plugin_manager() -> None:
    registry = create_registry(entry_points=False)
    core = registry.plugins[0]
    assert core.name == "core" and core.builtin and core.ok
    assert set(core.provides["dataset"]) == CORE_DATASETS == set(registry.datasets)
    assert set(core.provides["command"]) == {"plugins", "train", "sample"} == set(registry.commands)
    assert registry.owners[("dataset", "ring8")] == "core"
    assert registry.variants == {}  # the core ships no variant of its own


def test_plugin_objects_register_every_kind_of_thing() -> None:
    extra_dataset = DatasetSpec("ring8-copy", lambda options: load_toy("ring8", options))
    command = CommandSpec("hello", "say hello", lambda parser: None, lambda args: 0)
    plugin = make_plugin(
        "everything",
        gan_register_variants=registers("v1", "v2"),
        gan_register_datasets=lambda register: register(extra_dataset),
        gan_register_commands=lambda register: register(command),
    )
    plugin.__version__ = "9.9"
    registry = create_registry(plugins=[plugin], entry_points=False)
    assert report(registry, "everything").provides == {
        "variant": ("v1", "v2"),
        "dataset": ("ring8-copy",),
        "command": ("hello",),
    }
    assert report(registry, "everything").version == "9.9"
    assert registry.variant("v2").name == "v2"
    assert registry.dataset("ring8-copy") is extra_dataset
    assert registry.commands["hello"] is command
    assert registry.owners[("variant", "v1")] == "everything"


def test_plugin_command_is_a_gan_subcommand(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def add_arguments(parser: Any) -> None:
        parser.add_argument("--who", default="world")

    def run(args: Any) -> int:
        print(f"hello {args.who}")
        return 3

    plugin = make_plugin(
        "greeter", gan_register_commands=lambda register: register(CommandSpec("hello", "greet", add_arguments, run))
    )
    monkeypatch.setattr(plugins, "_DEFAULT", create_registry(plugins=[plugin], entry_points=False))
    result = run_cli(["hello", "--who", "gan"], capsys)
    assert (result.code, result.out, result.err) == (3, "hello gan\n", "")


def test_unknown_name_lists_what_is_available(registry: Registry) -> None:
    with pytest.raises(KeyError) as info:
        registry.variant("nope")
    assert str(info.value) == "unknown variant 'nope'; available: tiny"


# --- broken plugins are reported, rolled back and skipped ---------------------------------------


def _raise(register: Callable[[Any], None]) -> None:
    register(variant_named("half-done"))
    raise RuntimeError("boom in the hook\nsecond line")


def test_plugin_raising_in_its_hook_is_reported_and_rolled_back() -> None:
    bad = make_plugin("bad_hook", gan_register_variants=_raise)
    bad.__version__ = "0.4"
    registry = create_registry(plugins=[bad, core_tiny], entry_points=False)
    broken = report(registry, "bad_hook")
    assert (broken.name, broken.version, broken.error) == ("bad_hook", "0.4", "RuntimeError: boom in the hook")
    assert not broken.ok and broken.provides == {}
    assert "half-done" not in registry.variants and ("variant", "half-done") not in registry.owners
    assert registry.variant("tiny") is core_tiny.TINY  # the next plugin still loads
    assert registry.broken == [broken]


def test_rollback_spans_hooks_of_one_plugin() -> None:
    """A plugin whose second hook fails keeps nothing from its first."""

    def datasets(register: Callable[[Any], None]) -> None:
        raise ValueError("no data")

    bad = make_plugin("two_hooks", gan_register_variants=registers("first"), gan_register_datasets=datasets)
    registry = create_registry(plugins=[bad], entry_points=False)
    assert "first" not in registry.variants
    assert report(registry, "two_hooks").error == "ValueError: no data"


def test_duplicate_name_is_reported_and_the_first_owner_keeps_it() -> None:
    thief = make_plugin("thief", gan_register_variants=registers("mine", "tiny"))
    registry = create_registry(plugins=[core_tiny, thief], entry_points=False)
    error = report(registry, "thief").error
    assert error is not None and "'tiny'" in error and "core_tiny" in error
    assert registry.variant("tiny") is core_tiny.TINY
    assert "mine" not in registry.variants  # rolled back with the rest of the plugin


def test_duplicate_of_a_core_dataset_is_reported() -> None:
    clash = make_plugin(
        "clash", gan_register_datasets=lambda register: register(DatasetSpec("ring8", lambda options: None))
    )
    registry = create_registry(plugins=[clash], entry_points=False)
    error = report(registry, "clash").error
    assert error is not None and "ring8" in error and "'core'" in error
    assert registry.owners[("dataset", "ring8")] == "core"


def test_duplicate_within_one_plugin_is_reported() -> None:
    registry = create_registry(
        plugins=[make_plugin("twice", gan_register_variants=registers("x", "x"))], entry_points=False
    )
    assert "already registered" in (report(registry, "twice").error or "")
    assert "x" not in registry.variants


def test_a_failed_plugins_names_stay_free_for_later_plugins() -> None:
    bad = make_plugin("bad_first", gan_register_variants=_raise)
    good = make_plugin("good_later", gan_register_variants=registers("half-done"))
    registry = create_registry(plugins=[bad, good], entry_points=False)
    assert registry.owners[("variant", "half-done")] == "good_later"
    assert report(registry, "good_later").ok


def test_misspelled_hook_is_caught_by_check_pending() -> None:
    typo = make_plugin("typo", gan_register_variantz=registers("t1"), gan_register_variants=registers("t2"))
    registry = create_registry(plugins=[typo, core_tiny], entry_points=False)
    error = report(registry, "typo").error
    assert error is not None and "gan_register_variantz" in error
    assert "t1" not in registry.variants and "t2" not in registry.variants
    assert report(registry, "core_tiny").ok and "tiny" in registry.variants


def test_unregistered_broken_plugin_does_not_poison_later_check_pending() -> None:
    typo = make_plugin("typo2", gan_register_variantz=registers("t1"))
    registry = create_registry(plugins=[typo, core_tiny], entry_points=False)
    assert [p.ok for p in registry.plugins] == [True, False, True]


def test_nameless_registration_is_reported() -> None:
    plugin = make_plugin("nameless", gan_register_variants=lambda register: register(object()))
    registry = create_registry(plugins=[plugin], entry_points=False)
    assert "has no name" in (report(registry, "nameless").error or "")


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_strict_mode_raises(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = make_plugin("bad_strict", gan_register_variants=_raise)
    if how == "environment":
        monkeypatch.setenv(plugins.STRICT_ENV, "1")
        strict = None
    else:
        strict = True
    with pytest.raises(PluginError, match=r"bad_strict.*boom in the hook"):
        create_registry(plugins=[bad], entry_points=False, strict=strict)


def test_strict_false_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.STRICT_ENV, "1")
    bad = make_plugin("bad_lenient", gan_register_variants=_raise)
    assert not report(create_registry(plugins=[bad], entry_points=False, strict=False), "bad_lenient").ok


# --- installed plugins (entry points), made by writing a *.dist-info folder ----------------------

BROKEN_ON_IMPORT = """
raise ImportError("needs a library that is not installed")
"""

GOOD_PLUGIN = """
from gan_core import hookimpl
from core_tiny import TinyConfig, build
from gan_core.variant import Variant


@hookimpl
def gan_register_variants(register):
    register(Variant(name={name!r}, config_cls=TinyConfig, build=build))
"""


def install_three(site: Path) -> None:
    install_fake_distribution(
        site,
        "gan-fake-plugins",
        "1.2.3",
        {"fake_a": "fake_gan_a", "fake_b": "fake_gan_b", "fake_broken": "fake_gan_broken"},
        {
            "fake_gan_a": GOOD_PLUGIN.format(name="va"),
            "fake_gan_b": GOOD_PLUGIN.format(name="vb"),
            "fake_gan_broken": BROKEN_ON_IMPORT,
        },
    )


def test_plugin_failing_on_import_is_reported_with_its_version(site: Path) -> None:
    install_three(site)
    registry = create_registry(only={"fake_a", "fake_broken"})
    assert [p.name for p in registry.plugins] == ["core", "fake_a", "fake_broken"]
    broken = report(registry, "fake_broken")
    assert broken.version == "1.2.3"
    assert broken.error == "ImportError: needs a library that is not installed"
    assert report(registry, "fake_a").provides == {"variant": ("va",)}
    assert report(registry, "fake_a").version == "1.2.3"
    assert set(registry.variants) == {"va"}


def test_strict_environment_raises_on_a_broken_entry_point(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_broken")
    monkeypatch.setenv(plugins.STRICT_ENV, "1")
    with pytest.raises(PluginError, match=r"fake_broken.*1\.2\.3.*ImportError"):
        create_registry()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fake_a,fake_b", ["fake_a", "fake_b"]), (" fake_b , ", ["fake_b"]), ("", []), ("not_installed", [])],
)
def test_gan_plugins_selects_entry_points(
    site: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, value)
    registry = create_registry()
    assert [p.name for p in registry.plugins] == ["core", *expected]
    assert all(p.ok for p in registry.plugins)


def test_get_registry_is_cached_until_reset(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_a")
    first = plugins.get_registry()
    assert plugins.get_registry() is first and set(first.variants) == {"va"}
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_b")
    plugins.reset_registry()
    assert set(plugins.get_registry().variants) == {"vb"}


def test_cli_lists_broken_plugins_and_warns_once_per_command(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_a,fake_broken")
    listing = run_cli(["plugins"], capsys)
    assert listing.code == 0 and listing.err == ""
    lines = listing.out.splitlines()
    assert lines[0].startswith("core ")
    assert any(line.startswith("fake_a 1.2.3") and "variants: va" in line for line in lines)
    assert any(line.startswith("fake_broken 1.2.3") and "BROKEN" in line and "ImportError" in line for line in lines)

    sampled = run_cli(["sample", str(tmp_path / "missing"), "--out", str(tmp_path / "x.npy")], capsys)
    warnings = [line for line in sampled.err_lines if "warning" in line]
    assert len(warnings) == 1 and "fake_broken" in warnings[0] and plugins.STRICT_ENV in warnings[0]


def test_cli_strict_mode_is_one_line_and_exit_2(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_broken")
    monkeypatch.setenv(plugins.STRICT_ENV, "1")
    result = run_cli(["plugins"], capsys)
    assert result.code == 2 and result.out == ""
    assert len(result.err_lines) == 1 and "fake_broken" in result.err and "ImportError" in result.err
