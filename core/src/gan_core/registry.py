"""The registry: every variant, loss, data set, metric and command that the loaded plugins provide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from gan_core.errors import UnknownNameError
from gan_core.variant import FeatureExtractorSpec, LossSpec, MetricSpec, Variant

if TYPE_CHECKING:
    from gan_core.cli.commands import CommandSpec
    from gan_core.data.registry import DatasetSpec

#: hook name -> the kind of thing its ``register`` callback accepts
HOOK_KINDS: Mapping[str, str] = {
    "gan_register_variants": "variant",
    "gan_register_losses": "loss",
    "gan_register_datasets": "dataset",
    "gan_register_metrics": "metric",
    "gan_register_feature_extractors": "feature extractor",
    "gan_register_commands": "command",
}


@attrs.frozen
class PluginReport:
    """What ``gan plugins`` shows for one plugin: who it is, what it gave, or why it was skipped."""

    name: str
    version: str | None
    provides: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    error: str | None = None
    builtin: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@attrs.define
class Registry:
    """Name -> object tables, filled plugin by plugin; lookups fail with the list of known names."""

    variants: dict[str, Variant] = attrs.field(factory=dict)
    losses: dict[str, LossSpec] = attrs.field(factory=dict)
    datasets: dict[str, DatasetSpec] = attrs.field(factory=dict)
    metrics: dict[str, MetricSpec] = attrs.field(factory=dict)
    feature_extractors: dict[str, FeatureExtractorSpec] = attrs.field(factory=dict)
    commands: dict[str, CommandSpec] = attrs.field(factory=dict)
    plugins: list[PluginReport] = attrs.field(factory=list)
    owners: dict[tuple[str, str], str] = attrs.field(factory=dict)

    def table(self, kind: str) -> dict[str, Any]:
        return {
            "variant": self.variants,
            "loss": self.losses,
            "dataset": self.datasets,
            "metric": self.metrics,
            "feature extractor": self.feature_extractors,
            "command": self.commands,
        }[kind]

    def variant(self, name: str) -> Variant:
        return self._lookup("variant", name)

    def dataset(self, name: str) -> DatasetSpec:
        return self._lookup("dataset", name)

    def loss(self, name: str) -> LossSpec:
        return self._lookup("loss", name)

    def metric(self, name: str) -> MetricSpec:
        return self._lookup("metric", name)

    def feature_extractor(self, name: str) -> FeatureExtractorSpec:
        return self._lookup("feature extractor", name)

    def _lookup(self, kind: str, name: str) -> Any:
        table = self.table(kind)
        if name not in table:
            raise UnknownNameError(kind, name, table)
        return table[name]

    @property
    def broken(self) -> list[PluginReport]:
        return [p for p in self.plugins if not p.ok]
