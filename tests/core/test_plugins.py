"""Plugin loading: one broken plugin is reported and skipped, never fatal (unless strict)."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_tiny
import pytest
from core_helpers import install_fake_distribution, run_cli

from gan_core import (
    AmbiguousNameError,
    CommandSpec,
    DatasetSpec,
    LossSpec,
    PluginError,
    PluginReport,
    Registry,
    Variant,
    create_registry,
    hookimpl,
)
from gan_core import _plugins as plugins
from gan_core.data.toy import load_toy

CORE_DATASETS = {
    "ring8",
    "grid25",
    "mnist-5k",
    "stacked-mnist",
    "rendered-digits",
    "house-digits",
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


def report(registry: Registry, name: str) -> PluginReport:
    (found,) = [p for p in registry.plugins if p.name == name]
    return found


# --- the core is a plugin like any other ---------------------------------------------------------


def test_core_registers_its_datasets_and_commands_through_the_plugin_manager() -> None:
    registry = create_registry(entry_points=False)
    core = registry.plugins[0]
    assert core.name == "core" and core.builtin and core.ok
    assert set(core.provides["dataset"]) == CORE_DATASETS == set(registry.datasets.names())
    assert (
        set(core.provides["command"])
        == {"plugins", "config", "train", "sample", "report"}
        == set(registry.commands.names())
    )
    assert set(core.provides["loss"]) == {"minimax", "non-saturating", "hinge", "least-squares", "rpgan"}
    assert "core:ring8" in registry.datasets and registry.datasets.qualify("ring8") == "core:ring8"
    assert len(registry.variants) == 0  # the core ships no variant of its own


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
    assert registry.variant("everything:v1").name == "v1"


def test_plugin_command_is_a_gan_subcommand_and_receives_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    def add_arguments(parser: Any) -> None:
        parser.add_argument("--who", default="world")

    def run(args: Any) -> int:
        print(f"hello {args.who}; {len(args.registry.datasets)} data sets")
        return 3

    plugin = make_plugin(
        "greeter", gan_register_commands=lambda register: register(CommandSpec("hello", "greet", add_arguments, run))
    )
    registry = create_registry(plugins=[plugin], entry_points=False)
    result = run_cli(["hello", "--who", "gan"], capsys, registry)
    assert (result.code, result.out, result.err) == (3, f"hello gan; {len(CORE_DATASETS)} data sets\n", "")


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
    assert "half-done" not in registry.variants and "bad_hook:half-done" not in registry.variants
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


class _Hinge:
    """A loss that says which plugin made it."""

    relativistic = False

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def discriminator_loss(self, real_scores: Any, fake_scores: Any) -> Any:
        return (1 - real_scores).relu().mean() + (1 + fake_scores).relu().mean()

    def generator_loss(self, real_scores: Any, fake_scores: Any) -> Any:
        return -fake_scores.mean()


def _hinge_plugin(name: str) -> types.ModuleType:
    return make_plugin(
        name, gan_register_losses=lambda register: register(LossSpec("hinge", lambda: _Hinge(name), f"{name}'s"))
    )


def test_two_plugins_registering_one_name_both_load_and_the_qualified_name_picks_each() -> None:
    registry = create_registry(plugins=[_hinge_plugin("alpha"), _hinge_plugin("beta")], entry_points=False)
    assert report(registry, "alpha").ok and report(registry, "beta").ok
    assert report(registry, "alpha").provides == {"loss": ("hinge",)} == report(registry, "beta").provides
    assert registry.loss("alpha:hinge").factory().owner == "alpha"
    assert registry.loss("beta:hinge").factory().owner == "beta"
    with pytest.raises(AmbiguousNameError) as info:
        registry.loss("hinge")
    assert (
        str(info.value)
        == "ambiguous loss 'hinge': registered by several plugins; write one of alpha:hinge, beta:hinge, core:hinge"
    )
    assert "\n" not in str(info.value)
    # the core has a hinge loss of its own: three candidates, in the order they were registered
    assert registry.losses.names() == [
        "minimax",
        "non-saturating",
        "core:hinge",
        "alpha:hinge",
        "beta:hinge",
        "least-squares",
        "rpgan",
    ]


def test_a_variant_naming_an_ambiguous_loss_gets_a_one_line_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    from gan_core import ConfigError, Game, Noise, resolve_config

    def build(config: Any, data: Any) -> Game:
        game = core_tiny.build(config, data)
        return Game(
            **{
                **{f: getattr(game, f) for f in ("generator", "discriminator", "g_optimizer", "d_optimizer")},
                "inputs": Noise(config.latent_dim),
                "loss": config.activation,
            }
        )

    chooser = Variant(name="chooser", config_cls=core_tiny.TinyConfig, build=build)
    registry = create_registry(plugins=[_hinge_plugin("alpha"), _hinge_plugin("beta")], entry_points=False)
    info = core_tiny.DataInfo(shape=(2,), kind="points")
    config = resolve_config(chooser, overrides=["activation=hinge"])
    with pytest.raises(
        ConfigError, match=r"^model\.loss: ambiguous loss 'hinge'.*alpha:hinge, beta:hinge, core:hinge$"
    ):
        chooser.build_game(config.model, info, registry)
    picked = chooser.build_game(resolve_config(chooser, overrides=["activation=beta:hinge"]).model, info, registry)
    assert picked.loss.owner == "beta"  # type: ignore[union-attr]


def test_the_same_name_as_a_core_data_set_leaves_both_reachable() -> None:
    mine = DatasetSpec("ring8", lambda options: None)
    clash = make_plugin("clash", gan_register_datasets=lambda register: register(mine))
    registry = create_registry(plugins=[clash], entry_points=False)
    assert report(registry, "clash").ok
    assert registry.dataset("clash:ring8") is mine and registry.dataset("core:ring8").name == "ring8"
    with pytest.raises(AmbiguousNameError, match=r"write one of clash:ring8, core:ring8$"):
        registry.dataset("ring8")


def test_a_name_registered_twice_by_one_plugin_is_skipped_alone_and_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plugin = make_plugin("twice", gan_register_variants=registers("x", "y", "x"))
    registry = create_registry(plugins=[plugin], entry_points=False)
    twice = report(registry, "twice")
    assert twice.ok and twice.provides == {"variant": ("x", "y")}
    assert twice.skipped == ("variant 'x' is registered twice by 'twice'",)
    assert registry.variant("x").name == "x" and registry.variant("y").name == "y"
    listing = run_cli(["plugins"], capsys, registry)
    assert "twice (unknown version)  variants: x, y\n    not registered: variant 'x' is registered twice" in listing.out
    with pytest.raises(PluginError, match="registered twice"):
        create_registry(plugins=[plugin], entry_points=False, strict=True)


def test_a_failed_plugins_names_stay_free_for_later_plugins() -> None:
    bad = make_plugin("bad_first", gan_register_variants=_raise)
    good = make_plugin("good_later", gan_register_variants=registers("half-done"))
    registry = create_registry(plugins=[bad, good], entry_points=False)
    assert registry.variants.qualify("half-done") == "good_later:half-done"
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
from gan_core import Variant


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
    assert set(registry.variants.names()) == {"va"}


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


def test_the_0_1_global_registry_still_works_with_a_warning_that_says_what_to_use(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gan_core
    from gan_core import GanDeprecationWarning
    from gan_core._deprecated import reset_registry

    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_a")
    reset_registry()
    with pytest.warns(GanDeprecationWarning, match=r"use the registry you are given \(args.registry, ctx.registry\)"):
        first = gan_core.get_registry()
    with pytest.warns(GanDeprecationWarning):
        assert gan_core.get_registry() is first and set(first.variants.names()) == {"va"}
    reset_registry()


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


# --- GAN_PLUGINS by distribution name, and which distribution provided each plugin --------------

IMPOSTOR_PLUGIN = GOOD_PLUGIN.format(name="impostor")


def install_impostor(site: Path) -> None:
    """Another distribution that declares an entry point named like the real one's (``fake_a``), and
    one named like the real distribution itself."""
    install_fake_distribution(
        site,
        "gan-impostor",
        "6.6.6",
        {"fake_a": "fake_gan_impostor", "gan-fake-plugins": "fake_gan_impostor"},
        {"fake_gan_impostor": IMPOSTOR_PLUGIN},
    )


@pytest.mark.parametrize("value", ["gan-fake-plugins", "gan_fake_plugins", "Gan.Fake-Plugins", " gan-fake-plugins ,"])
def test_gan_plugins_accepts_a_normalised_distribution_name(
    site: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, value)
    registry = create_registry()
    assert [p.name for p in registry.plugins] == ["core", "fake_a", "fake_b", "fake_broken"]
    assert [p.distribution for p in registry.plugins] == ["gan-core", *["gan-fake-plugins"] * 3]


@pytest.mark.parametrize("value", ["fake-a", "FAKE_A", "fake.a"])
def test_gan_plugins_normalises_entry_point_names(site: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, value)
    assert [p.name for p in create_registry().plugins] == ["core", "fake_a"]


def test_a_distribution_name_admits_no_impostor(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_three(site)
    install_impostor(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "gan-fake-plugins")
    registry = create_registry()
    assert [(p.name, p.distribution) for p in registry.plugins[1:]] == [
        ("fake_a", "gan-fake-plugins"),
        ("fake_b", "gan-fake-plugins"),
        ("fake_broken", "gan-fake-plugins"),
    ]
    assert "impostor" not in registry.variants and registry.variant("va").name == "va"
    assert report(registry, "fake_a").ok


def test_the_impostor_is_admitted_only_by_its_own_distribution_name(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_three(site)
    install_impostor(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "gan-impostor")
    registry = create_registry()
    assert {(p.name, p.distribution) for p in registry.plugins[1:]} == {
        ("fake_a", "gan-impostor"),
        ("gan-fake-plugins", "gan-impostor"),
    }


def test_an_entry_point_name_two_distributions_declare_says_which_is_which(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_three(site)
    install_impostor(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "fake_a")
    registry = create_registry()
    found = [p for p in registry.plugins if p.name == "fake_a"]
    assert sorted(p.distribution or "" for p in found) == ["gan-fake-plugins", "gan-impostor"]
    first, second = found
    assert first.ok and not second.ok
    assert second.error == (
        f"PluginError: a plugin named 'fake_a' is already loaded from {first.distribution}; "
        "set GAN_PLUGINS to the distribution you want"
    )


def test_an_entry_point_cannot_take_the_cores_name(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(site, "gan-sneaky", "1.0", {"core": "fake_gan_sneaky"}, {"fake_gan_sneaky": ""})
    monkeypatch.setenv(plugins.ONLY_ENV, "gan-sneaky")
    registry = create_registry()
    sneaky = registry.plugins[1]
    assert (sneaky.name, sneaky.distribution, sneaky.ok) == ("core", "gan-sneaky", False)
    assert "already loaded from gan-core" in (sneaky.error or "")
    assert registry.plugins[0].ok and registry.plugins[0].distribution == "gan-core"


def test_gan_plugins_shows_the_distribution_on_each_line_and_in_json(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    install_three(site)
    monkeypatch.setenv(plugins.ONLY_ENV, "gan_fake_plugins")
    lines = run_cli(["plugins"], capsys).out.splitlines()
    assert lines[0].startswith("core ") and " (from gan-core)  " in lines[0]
    assert lines[1] == "fake_a 1.2.3 (from gan-fake-plugins)  variants: va"
    assert lines[3].startswith("fake_broken 1.2.3 (from gan-fake-plugins)  BROKEN, skipped: ImportError")
    rows = json.loads(run_cli(["plugins", "--json"], capsys).out)
    assert [row["distribution"] for row in rows] == ["gan-core", *["gan-fake-plugins"] * 3]


def test_normalize_name_is_pep_503() -> None:
    assert plugins.normalize_name("Gan_Plugin.Vanilla") == plugins.normalize_name("gan--plugin-vanilla")
    assert plugins.normalize_name("gan__plugin..vanilla") == "gan-plugin-vanilla"
