"""Plugin discovery and registration, robust to broken plugins.

pluggy's own ``load_setuptools_entrypoints`` lets one plugin that fails to import take the whole
process down. Here each entry point is loaded, validated (``check_pending``, so a misspelled hook is
caught) and asked to register on its own; a plugin that fails is recorded in a :class:`PluginReport`,
its partial registrations are discarded, and the other plugins carry on. A name that a plugin
registers twice is refused alone and listed in its report. ``GAN_STRICT_PLUGINS=1`` turns any such
failure into a :class:`~gan_core.errors.PluginError`; ``GAN_PLUGINS=a,b`` loads only the named entry
points (set but empty: none).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import pluggy

from gan_core import _builtins, hookspecs
from gan_core._registry import HOOK_KINDS, DuplicateNameError, NameTable, PluginReport, Registry
from gan_core._version import __version__
from gan_core.errors import PluginError

ENTRY_POINT_GROUP = "gan"
STRICT_ENV = "GAN_STRICT_PLUGINS"
ONLY_ENV = "GAN_PLUGINS"
CORE_PLUGIN_NAME = "core"


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
) -> None:
    plugin: object | None = None
    try:
        plugin = load()
        pm.register(plugin, name=name)
        pm.check_pending()
        staged = _collect(pm, plugin)
    except Exception as error:
        if plugin is not None and pm.is_registered(plugin):
            pm.unregister(plugin)
        if strict or builtin:
            raise PluginError(f"plugin {name!r} ({version or 'unknown version'}): {_describe(error)}") from error
        registry.plugins.append(PluginReport(name=name, version=version, error=_describe(error)))
        return
    provides, skipped = _commit(registry, staged, name)
    if skipped and strict:
        raise PluginError(f"plugin {name!r} ({version or 'unknown version'}): {skipped[0]}")
    registry.plugins.append(
        PluginReport(name=name, version=version, provides=provides, builtin=builtin, skipped=skipped)
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

    ``strict`` and ``only`` default to ``GAN_STRICT_PLUGINS`` and ``GAN_PLUGINS``.
    """
    strict = strict_from_env() if strict is None else strict
    only = only_from_env() if only is None else only
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    _add(registry, pm, name=CORE_PLUGIN_NAME, version=__version__, load=lambda: _builtins, strict=True, builtin=True)
    named = plugins.items() if isinstance(plugins, Mapping) else ((_plugin_name(p), p) for p in plugins)
    for plugin_name, plugin in named:
        version = getattr(plugin, "__version__", None)
        _add(registry, pm, name=plugin_name, version=version, load=lambda p=plugin: p, strict=strict)
    if entry_points:
        for ep in _entry_points():
            if only is not None and ep.name not in only:
                continue
            version = ep.dist.version if ep.dist is not None else None
            _add(registry, pm, name=ep.name, version=version, load=ep.load, strict=strict)
    return registry
