"""Registration with gan-core (entry point ``gan``): names only, the objects stay in :mod:`gan_plugin_dtn.variant`
and are imported when first used, so that the ``gan`` command's help and ``gan plugins`` cost no
torch import."""

from __future__ import annotations

from collections.abc import Callable

from gan_core import Deferred, hookimpl


@hookimpl
def gan_register_variants(register: Callable[[Deferred], None]) -> None:
    register(Deferred("dtn", "gan_plugin_dtn.variant:DTN"))


#: the help line `gan --help` shows for each command (the commands live in gan_plugin_dtn.commands)
COMMAND_HELP = {
    "dtn-pretrain": "train DTN's fixed f (source) or its evaluation classifier (target)",
    "transfer": "map your own images with a trained DTN run",
    "dtn-select": "score a DTN run's checkpoints without target labels (reverse validation)",
}


@hookimpl
def gan_register_commands(register: Callable[[Deferred], None]) -> None:
    for name, help_line in COMMAND_HELP.items():
        register(Deferred(name, "gan_plugin_dtn.commands:COMMANDS", help_line))
