"""Every installed plugin's deferred registrations load, and register exactly what their collections hold.

A plugin that registers ``Deferred(NAME, "module:COLLECTION")`` lists the names twice (in its
registration module, which must not import torch, and in the collection itself); this keeps the two
lists equal, so that a spec added to a collection without its registration (or the reverse) fails here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from importlib import import_module

from gan_core import Deferred, Registry, create_registry


def _deferred(registry: Registry) -> dict[str, list[tuple[str, str, Deferred]]]:
    """target -> [(kind, qualified name, registration)]"""
    found: dict[str, list[tuple[str, str, Deferred]]] = defaultdict(list)
    for kind in ("variant", "loss", "dataset", "metric", "feature extractor", "command"):
        table = registry.table(kind)
        for qualified in table:
            entry = table.entry(qualified)
            if isinstance(entry, Deferred):
                found[entry.target].append((kind, qualified, entry))
    return found


def test_every_deferred_registration_loads_and_matches_its_collection() -> None:
    registry = create_registry(strict=True)
    by_target = _deferred(registry)
    assert by_target, "no installed plugin registers deferred items"
    for target, registrations in by_target.items():
        module, _, attribute = target.partition(":")
        held = getattr(import_module(module), attribute)
        if isinstance(held, Mapping):
            held = tuple(held.values())
        if isinstance(held, tuple | list):
            assert sorted(entry.name for _, _, entry in registrations) == sorted(item.name for item in held), target
        for kind, qualified, entry in registrations:
            loaded = registry.table(kind)[qualified]
            assert not isinstance(loaded, Deferred) and loaded.name == entry.name
            if kind == "command":  # what `gan --help` shows before loading is the command's own help line
                assert entry.description == loaded.help, qualified
