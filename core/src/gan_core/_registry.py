"""The registry: every variant, loss, data set, metric, feature extractor and command the loaded plugins provide.

Names are namespaced. Each item is registered as ``PLUGIN:NAME`` (``vanilla:vanilla``,
``core:mnist-5k``); a bare ``NAME`` finds it while only one plugin registered that name, and gives a
one-line error listing the qualified candidates when several did. Two plugins may therefore use the
same name without either being skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from gan_core._records import CommandSpec, DatasetSpec, Deferred, FeatureExtractorSpec, LossSpec, MetricSpec
from gan_core.errors import AmbiguousNameError, PluginError, UnknownNameError

if TYPE_CHECKING:  # the registry is built by `gan --help`, which must not import torch
    from gan_core._variant import Variant

#: hook name -> the kind of thing its ``register`` callback accepts
HOOK_KINDS: Mapping[str, str] = {
    "gan_register_variants": "variant",
    "gan_register_losses": "loss",
    "gan_register_datasets": "dataset",
    "gan_register_metrics": "metric",
    "gan_register_feature_extractors": "feature extractor",
    "gan_register_commands": "command",
}
SEPARATOR = ":"

T = TypeVar("T")


def qualified_name(plugin: str, name: str) -> str:
    return f"{plugin}{SEPARATOR}{name}"


class DuplicateNameError(ValueError):
    """One plugin registered the same name of one kind twice (only the first is kept)."""


class NameTable(Mapping[str, T], Generic[T]):
    """One kind's items by qualified name ``PLUGIN:NAME``; lookups also take a bare ``NAME`` while it is unique.

    Iterating gives the qualified names; :meth:`names` gives what users type (bare where unique). An
    item registered as a :class:`~gan_core.Deferred` is imported when it is first looked up, and kept.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T | Deferred] = {}
        self._bare: dict[str, list[str]] = {}

    def add(self, plugin: str, name: str, item: T) -> str:
        qualified = qualified_name(plugin, name)
        if qualified in self._items:
            raise DuplicateNameError(f"{self.kind} {name!r} is registered twice by {plugin!r}")
        self._items[qualified] = item
        self._bare.setdefault(name, []).append(qualified)
        return qualified

    def qualify(self, name: str) -> str:
        """The qualified name that ``name`` stands for, or a one-line error (unknown or ambiguous)."""
        if name in self._items:
            return name
        candidates = self._bare.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise AmbiguousNameError(self.kind, name, candidates)
        raise UnknownNameError(self.kind, name, self.names())

    def names(self) -> list[str]:
        """Every item under the name a user types (bare while unique, qualified otherwise), in the order
        they were registered."""
        shown: list[str] = []
        for bare, qualified in self._bare.items():  # in the order they were registered
            shown += [bare] if len(qualified) == 1 else qualified
        return shown

    def __getitem__(self, name: str) -> T:
        qualified = self.qualify(name)
        item = self._items[qualified]
        if isinstance(item, Deferred):
            item = self._items[qualified] = self._load(qualified, item)
        return item

    def entry(self, name: str) -> T | Deferred:
        """The item as registered, without importing a deferred one (for its name and description)."""
        return self._items[self.qualify(name)]

    def _load(self, qualified: str, deferred: Deferred) -> T:
        try:
            loaded: T = deferred.load()
        except Exception as error:
            plugin = qualified.rpartition(SEPARATOR)[0]
            text = (str(error).strip().splitlines() or [""])[0]
            raise PluginError(
                f"plugin {plugin!r}: {self.kind} {deferred.name!r} could not be loaded from {deferred.target} "
                f"({type(error).__name__}: {text})"
            ) from error
        return loaded

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._items or name in self._bare)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@attrs.frozen
class PluginReport:
    """What ``gan plugins`` shows for one plugin: who it is, what it gave, what it could not register,
    or why it was skipped altogether."""

    name: str
    version: str | None
    provides: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    error: str | None = None
    builtin: bool = False
    #: items refused one by one (a name this plugin registered twice), each with the reason
    skipped: tuple[str, ...] = ()
    #: the installed distribution whose entry point this plugin is (``gan-plugin-vanilla``; ``gan-core``
    #: for the core), so that two distributions' entry points of one name can be told apart; ``None``
    #: for plugin objects handed to ``create_registry`` directly
    distribution: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@attrs.define
class Registry:
    """Every registered item, by kind; lookups fail with the list of known names, or the candidates."""

    variants: NameTable[Variant] = attrs.field(factory=lambda: NameTable("variant"))
    losses: NameTable[LossSpec] = attrs.field(factory=lambda: NameTable("loss"))
    datasets: NameTable[DatasetSpec] = attrs.field(factory=lambda: NameTable("dataset"))
    metrics: NameTable[MetricSpec] = attrs.field(factory=lambda: NameTable("metric"))
    feature_extractors: NameTable[FeatureExtractorSpec] = attrs.field(factory=lambda: NameTable("feature extractor"))
    commands: NameTable[CommandSpec] = attrs.field(factory=lambda: NameTable("command"))
    plugins: list[PluginReport] = attrs.field(factory=list)

    def table(self, kind: str) -> NameTable[Any]:
        return {
            "variant": self.variants,
            "loss": self.losses,
            "dataset": self.datasets,
            "metric": self.metrics,
            "feature extractor": self.feature_extractors,
            "command": self.commands,
        }[kind]

    def add(self, kind: str, item: Any, plugin: str = "local") -> str:
        """Register ``item`` (anything with a ``name``) under ``plugin``; returns its qualified name.

        Plugins register through their hooks; this is for tests and applications that assemble a
        registry by hand.
        """
        return self.table(kind).add(plugin, item.name, item)

    def variant(self, name: str) -> Variant:
        return self.variants[name]

    def dataset(self, name: str) -> DatasetSpec:
        return self.datasets[name]

    def loss(self, name: str) -> LossSpec:
        return self.losses[name]

    def metric(self, name: str) -> MetricSpec:
        return self.metrics[name]

    def feature_extractor(self, name: str) -> FeatureExtractorSpec:
        return self.feature_extractors[name]

    @property
    def broken(self) -> list[PluginReport]:
        return [p for p in self.plugins if not p.ok]
