"""The whole plugin contract. Project name ``gan``; entry-point group ``gan``.

Each hook receives a ``register`` callback and calls it once per thing the plugin provides. Hooks are
called when a registry is built (the command line builds one per command). Every name is registered
as ``PLUGIN:NAME`` too, so two plugins may use the same name: a bare name then needs its plugin's
prefix. A plugin whose hook raises is reported by ``gan plugins`` and skipped as a whole; a name it
registers twice is skipped alone.

A plugin module looks like::

    from gan_core import Deferred, hookimpl

    @hookimpl
    def gan_register_variants(register):
        register(Deferred("mygan", "my_plugin.variant:MYGAN"))

where ``my_plugin/variant.py`` holds ``MYGAN = Variant(name="mygan", config_cls=MyConfig, build=build)``
(``build(config, data) -> Game``). ``register`` takes the object itself too (``register(MYGAN)``), but
then the registration module imports torch, and so does every ``gan`` command, ``gan --help``
included, while the plugin is installed: a :class:`~gan_core.Deferred` registration is imported only
when the item is used. For the same reason the plugin's package ``__init__`` should import nothing
heavy (gan-core's own plugins export their names lazily, with ``lazy_loader``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from gan_core._records import CommandSpec, DatasetSpec, Deferred, FeatureExtractorSpec, LossSpec, MetricSpec
    from gan_core._variant import Variant

PROJECT_NAME = "gan"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def gan_register_variants(register: Callable[[Variant | Deferred], None]) -> None:
    """Register GAN variants: ``register(Variant(name=..., config_cls=..., build=...))``."""


@hookspec
def gan_register_losses(register: Callable[[LossSpec | Deferred], None]) -> None:
    """Register adversarial losses that any variant may name in its game: ``register(LossSpec(name, factory))``."""


@hookspec
def gan_register_datasets(register: Callable[[DatasetSpec | Deferred], None]) -> None:
    """Register data sets for ``gan train --dataset NAME``: ``register(DatasetSpec(name, load, ...))``."""


@hookspec
def gan_register_metrics(register: Callable[[MetricSpec | Deferred], None]) -> None:
    """Register sample-quality metrics: ``register(MetricSpec(name, compute))``."""


@hookspec
def gan_register_feature_extractors(register: Callable[[FeatureExtractorSpec | Deferred], None]) -> None:
    """Register networks that turn samples into features for metrics:
    ``register(FeatureExtractorSpec(name, load))`` (what ``load`` returns: see gan-plugin-metrics)."""


@hookspec
def gan_register_commands(register: Callable[[CommandSpec | Deferred], None]) -> None:
    """Add ``gan`` subcommands: ``register(CommandSpec(name, help, add_arguments, run))``; ``run(args)``
    finds the registry in ``args.registry``."""


__all__ = [
    "PROJECT_NAME",
    "gan_register_commands",
    "gan_register_datasets",
    "gan_register_feature_extractors",
    "gan_register_losses",
    "gan_register_metrics",
    "gan_register_variants",
    "hookimpl",
    "hookspec",
]
