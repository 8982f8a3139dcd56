"""Plugin discovery and registration, robust to broken plugins.

pluggy's own ``load_setuptools_entrypoints`` lets one plugin that fails to import take the whole
process down. Here each entry point is loaded, validated (``check_pending``, so a misspelled hook is
caught) and asked to register on its own; a plugin that fails is recorded in a :class:`PluginReport`,
its partial registrations are discarded, and the other plugins carry on. A name that a plugin
registers twice is refused alone and listed in its report. ``GAN_STRICT_PLUGINS=1`` turns any such
failure into a :class:`~gan_core.errors.PluginError`; ``GAN_PLUGINS=a,b`` loads only the named entry
points (set but empty: none).

A name in ``GAN_PLUGINS`` is an entry-point name (``vanilla``) or a distribution name
(``gan-plugin-vanilla``), both compared after PEP 503 normalisation (``gan_plugin_vanilla`` and
``Gan.Plugin-Vanilla`` name it too). A name that names an installed distribution admits that
distribution's entry points only: another distribution that declares an entry point of the same
name is not loaded in its place.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import pluggy

from gan_core import _builtins, hookspecs
from gan_core._records import Deferred
from gan_core._registry import HOOK_KINDS, DuplicateNameError, NameTable, PluginReport, Registry
from gan_core._version import __version__
from gan_core.errors import PluginError

ENTRY_POINT_GROUP = "gan"
STRICT_ENV = "GAN_STRICT_PLUGINS"
ONLY_ENV = "GAN_PLUGINS"
CORE_PLUGIN_NAME = "core"
CORE_DISTRIBUTION = "gan-core"


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def only_from_env() -> set[str] | None:
    value = os.environ.get(ONLY_ENV)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def normalize_name(name: str) -> str:
    """PEP 503's normal form, so that ``gan_plugin_vanilla`` and ``Gan-Plugin.Vanilla`` are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _distribution(ep: metadata.EntryPoint) -> str | None:
    """The name of the distribution that declares ``ep`` (``None`` when its metadata does not say)."""
    try:
        name = ep.dist.metadata["Name"] if ep.dist is not None else None
    except (KeyError, OSError):
        return None
    return name if isinstance(name, str) and name else None


def _admitted(
    entry_points: Sequence[metadata.EntryPoint], only: set[str] | None
) -> list[tuple[metadata.EntryPoint, str | None]]:
    """The entry points that ``only`` (``GAN_PLUGINS``) lets in, each with its distribution's name.

    A name in ``only`` that is the (normalised) name of a distribution providing entry points admits
    exactly that distribution's, so that an impostor's entry point named like the distribution is not
    loaded; any other name admits the entry points of that (normalised) name, whoever declares them
    (each report then says which distribution it came from).
    """
    found = [(ep, _distribution(ep)) for ep in entry_points]
    if only is None:
        return found
    wanted = {normalize_name(name) for name in only}
    distributions = {normalize_name(dist) for _, dist in found if dist is not None}
    by_distribution = wanted & distributions
    by_entry_point = wanted - distributions
    return [
        (ep, dist)
        for ep, dist in found
        if (dist is not None and normalize_name(dist) in by_distribution) or normalize_name(ep.name) in by_entry_point
    ]


def _module_exists(name: str) -> bool:
    """Whether module ``name`` can be imported, found without importing it or its parent packages
    (``importlib.util.find_spec`` would run the parents' ``__init__``, which may import torch)."""
    head, *rest = name.split(".")
    if head in sys.modules and not rest:
        return True
    spec = importlib.util.find_spec(head)
    for depth in range(len(rest)):
        if spec is None or spec.submodule_search_locations is None:
            return False
        full = ".".join([head, *rest[: depth + 1]])
        if full in sys.modules:
            spec = sys.modules[full].__spec__
            continue
        spec = importlib.machinery.PathFinder.find_spec(full, list(spec.submodule_search_locations))
    return spec is not None


def _check_deferred(item: Deferred) -> None:
    """A deferred item's module must exist now, so that a typo in a plugin shows in `gan plugins` as
    a broken plugin rather than when the item is first used."""
    if not _module_exists(item.module):
        raise ModuleNotFoundError(f"deferred {item.name!r}: no module named {item.module!r}")


def _name_of(kind: str, item: Any) -> str:
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"registered {kind} has no name: {item!r}")
    if ":" in name:
        raise TypeError(f"registered {kind} name {name!r} contains ':', which separates a plugin from its names")
    return name


def _collect(pm: pluggy.PluginManager, plugin: object) -> dict[str, list[Any]]:
    """Everything one plugin's hooks register, by kind, in the order registered (nothing committed)."""
    staged: dict[str, list[Any]] = {kind: [] for kind in HOOK_KINDS.values()}
    for hook_name, kind in HOOK_KINDS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue

            def register(item: Any, *, _kind: str = kind) -> None:
                _name_of(_kind, item)
                if isinstance(item, Deferred):
                    _check_deferred(item)
                staged[_kind].append(item)

            kwargs = {"register": register} if "register" in impl.argnames else {}
            impl.function(**kwargs)
    return staged


def _commit(
    registry: Registry, staged: Mapping[str, list[Any]], name: str
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Add the staged items under ``name``; a name registered twice keeps its first item only."""
    provides: dict[str, tuple[str, ...]] = {}
    skipped: list[str] = []
    for kind, items in staged.items():
        table: NameTable[Any] = registry.table(kind)
        added = []
        for item in items:
            try:
                table.add(name, item.name, item)
            except DuplicateNameError as error:
                skipped.append(str(error))
                continue
            added.append(item.name)
        if added:
            provides[kind] = tuple(added)
    return provides, tuple(skipped)


def _add(
    registry: Registry,
    pm: pluggy.PluginManager,
    *,
    name: str,
    version: str | None,
    load: Callable[[], object],
    strict: bool,
    builtin: bool = False,
    distribution: str | None = None,
) -> None:
    plugin: object | None = None
    try:
        earlier = pm.get_plugin(name)
        if earlier is not None:
            provider = next((p.distribution for p in registry.plugins if p.name == name), None)
            raise PluginError(
                f"a plugin named {name!r} is already loaded"
                + (f" from {provider}" if provider else "")
                + f"; set {ONLY_ENV} to the distribution you want"
            )
        plugin = load()
        pm.register(plugin, name=name)
        pm.check_pending()
        staged = _collect(pm, plugin)
    except Exception as error:
        if plugin is not None and pm.is_registered(plugin):
            pm.unregister(plugin)
        if strict or builtin:
            raise PluginError(f"plugin {name!r} ({version or 'unknown version'}): {_describe(error)}") from error
        registry.plugins.append(
            PluginReport(name=name, version=version, error=_describe(error), distribution=distribution)
        )
        return
    provides, skipped = _commit(registry, staged, name)
    if skipped and strict:
        raise PluginError(f"plugin {name!r} ({version or 'unknown version'}): {skipped[0]}")
    registry.plugins.append(
        PluginReport(
            name=name,
            version=version,
            provides=provides,
            builtin=builtin,
            skipped=skipped,
            distribution=distribution,
        )
    )


def _entry_points() -> Sequence[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _plugin_name(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def create_registry(
    *,
    plugins: Iterable[object] | Mapping[str, object] = (),
    entry_points: bool = True,
    strict: bool | None = None,
    only: set[str] | None = None,
) -> Registry:
    """Build a registry: the core's built-ins, then ``plugins`` (modules or objects with hook
    implementations, as tests and embedding applications pass them; a mapping names each), then
    installed entry points.

    ``strict`` and ``only`` default to ``GAN_STRICT_PLUGINS`` and ``GAN_PLUGINS``; ``only`` holds
    entry-point or distribution names (see the module docstring).
    """
    strict = strict_from_env() if strict is None else strict
    only = only_from_env() if only is None else only
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    _add(
        registry,
        pm,
        name=CORE_PLUGIN_NAME,
        version=__version__,
        load=lambda: _builtins,
        strict=True,
        builtin=True,
        distribution=CORE_DISTRIBUTION,
    )
    named = plugins.items() if isinstance(plugins, Mapping) else ((_plugin_name(p), p) for p in plugins)
    for plugin_name, plugin in named:
        version = getattr(plugin, "__version__", None)
        _add(registry, pm, name=plugin_name, version=version, load=lambda p=plugin: p, strict=strict)
    if entry_points:
        for ep, distribution in _admitted(_entry_points(), only):
            version = ep.dist.version if ep.dist is not None else None
            _add(registry, pm, name=ep.name, version=version, load=ep.load, strict=strict, distribution=distribution)
    return registry
