"""Registration with gan-core (entry point ``gan``): names only, the objects stay in :mod:`gan_plugin_vanilla.variant`
and are imported when first used, so that the ``gan`` command's help and ``gan plugins`` cost no
torch import."""

from __future__ import annotations

from collections.abc import Callable

from gan_core import Deferred, hookimpl


@hookimpl
def gan_register_variants(register: Callable[[Deferred], None]) -> None:
    register(Deferred("vanilla", "gan_plugin_vanilla.variant:VANILLA"))
    register(Deferred("dirac-gan", "gan_plugin_vanilla.dirac:DIRAC_GAN"))


@hookimpl
def gan_register_datasets(register: Callable[[Deferred], None]) -> None:
    register(Deferred("dirac", "gan_plugin_vanilla.dirac:DIRAC"))
