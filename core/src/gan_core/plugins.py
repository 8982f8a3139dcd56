"""Plugin discovery and registration, robust to broken plugins.

pluggy's own ``load_setuptools_entrypoints`` lets one plugin that fails to import take the whole
process down. Here each entry point is loaded, validated (``check_pending``, so a misspelled hook is
caught) and asked to register on its own; whatever fails is recorded in a :class:`PluginReport`, its
partial registrations are discarded, and the other plugins carry on. ``GAN_STRICT_PLUGINS=1`` turns
any such failure into a :class:`~gan_core.errors.PluginError`; ``GAN_PLUGINS=a,b`` loads only the
named entry points (set but empty: none).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from typing import Any

import pluggy

from gan_core import hookspecs
from gan_core.errors import PluginError
from gan_core.registry import HOOK_KINDS, PluginReport, Registry

ENTRY_POINT_GROUP = "gan"
STRICT_ENV = "GAN_STRICT_PLUGINS"
ONLY_ENV = "GAN_PLUGINS"
CORE_PLUGIN_NAME = "core"


class _DuplicateName(Exception):
    pass


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
    return name


def _register_plugin(
    registry: Registry, pm: pluggy.PluginManager, plugin: object, name: str
) -> dict[str, tuple[str, ...]]:
    """Call one plugin's hooks into a staging area and commit only if every call succeeded."""
    staged: dict[str, dict[str, Any]] = {kind: {} for kind in HOOK_KINDS.values()}
    for hook_name, kind in HOOK_KINDS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue

            def register(item: Any, *, _kind: str = kind) -> None:
                item_name = _name_of(_kind, item)
                owner = registry.owners.get((_kind, item_name))
                if owner is not None or item_name in staged[_kind]:
                    raise _DuplicateName(f"{_kind} {item_name!r} is already registered by {owner or name!r}")
                staged[_kind][item_name] = item

            kwargs = {"register": register} if "register" in impl.argnames else {}
            impl.function(**kwargs)
    for kind, items in staged.items():
        registry.table(kind).update(items)
        for item_name in items:
            registry.owners[(kind, item_name)] = name
    return {kind: tuple(items) for kind, items in staged.items() if items}


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
        provides = _register_plugin(registry, pm, plugin, name)
    except Exception as error:
        if plugin is not None and pm.is_registered(plugin):
            pm.unregister(plugin)
        if strict or builtin:
            raise PluginError(f"plugin {name!r} ({version or 'unknown version'}): {_describe(error)}") from error
        registry.plugins.append(PluginReport(name=name, version=version, error=_describe(error)))
        return
    registry.plugins.append(PluginReport(name=name, version=version, provides=provides, builtin=builtin))


def _entry_points() -> Sequence[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def create_registry(
    *,
    plugins: Iterable[object] = (),
    entry_points: bool = True,
    strict: bool | None = None,
    only: set[str] | None = None,
) -> Registry:
    """Build a registry: the core's built-ins, then ``plugins`` (modules or objects with hook
    implementations, as tests and embedding applications pass them), then installed entry points.

    ``strict`` and ``only`` default to ``GAN_STRICT_PLUGINS`` and ``GAN_PLUGINS``.
    """
    from gan_core import builtins

    strict = strict_from_env() if strict is None else strict
    only = only_from_env() if only is None else only
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    from gan_core import __version__

    _add(registry, pm, name=CORE_PLUGIN_NAME, version=__version__, load=lambda: builtins, strict=True, builtin=True)
    for plugin in plugins:
        plugin_name = getattr(plugin, "__name__", None) or type(plugin).__name__
        _add(
            registry,
            pm,
            name=plugin_name,
            version=getattr(plugin, "__version__", None),
            load=lambda p=plugin: p,
            strict=strict,
        )
    if entry_points:
        for ep in _entry_points():
            if only is not None and ep.name not in only:
                continue
            version = ep.dist.version if ep.dist is not None else None
            _add(registry, pm, name=ep.name, version=version, load=ep.load, strict=strict)
    return registry


_DEFAULT: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry of installed plugins, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = create_registry()
    return _DEFAULT


def reset_registry() -> None:
    """Forget the process-wide registry (tests that install or remove plugins call this)."""
    global _DEFAULT
    _DEFAULT = None
