"""What gan-core loads through the entry point ``gan: example``: the hook implementations.

Each hook receives a ``register`` callback and calls it once per thing it provides. If anything in
here raises, gan-core reports this plugin as broken (``gan plugins`` shows why) and skips it.

Every ``gan`` command, ``gan --help`` included, imports this module, so it imports nothing heavy: it
registers each item as a :class:`~gan_core.Deferred` (its name and ``"module:attribute"``), and
gan-core imports :mod:`gan_plugin_example.variant` (torch, the networks) only when the item is first
used. ``register(LSGAN_EXAMPLE)`` with the object itself works too, at the price of a torch import
in every command. The package's ``__init__`` is lazy for the same reason (``lazy_loader``).
"""

from __future__ import annotations

from collections.abc import Callable

from gan_core import Deferred, hookimpl


@hookimpl
def gan_register_variants(register: Callable[[Deferred], None]) -> None:
    register(Deferred("lsgan-example", "gan_plugin_example.variant:LSGAN_EXAMPLE"))


@hookimpl
def gan_register_losses(register: Callable[[Deferred], None]) -> None:
    register(Deferred("least-squares-example", "gan_plugin_example.variant:LEAST_SQUARES_EXAMPLE"))
