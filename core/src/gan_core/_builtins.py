"""The core registers its own data sets, losses and commands through the same hooks as any plugin.

Data sets and losses are registered as :class:`~gan_core.Deferred` (their modules import torch), the
commands as they are (their module imports torch only when a command runs): building the registry,
which every ``gan`` command does first, stays free of torch.
"""

from __future__ import annotations

from collections.abc import Callable

from gan_core._commands import CORE_COMMANDS
from gan_core._records import CommandSpec, DatasetSpec, Deferred, LossSpec
from gan_core.hookspecs import hookimpl

#: the names in gan_core._datasets.DATASETS and gan_core.losses.CORE_LOSSES, in their order (a test
#: keeps the lists equal)
DATASET_NAMES = (
    "ring8", "grid25", "mnist-5k", "stacked-mnist", "rendered-digits", "house-digits",
    "mnist", "fashion-mnist", "cifar10", "svhn", "image-folder",
)  # fmt: skip
LOSS_NAMES = ("minimax", "non-saturating", "hinge", "least-squares", "rpgan")


@hookimpl
def gan_register_datasets(register: Callable[[DatasetSpec | Deferred], None]) -> None:
    for name in DATASET_NAMES:
        register(Deferred(name, "gan_core._datasets:DATASETS"))


@hookimpl
def gan_register_losses(register: Callable[[LossSpec | Deferred], None]) -> None:
    for name in LOSS_NAMES:
        register(Deferred(name, "gan_core.losses:CORE_LOSSES"))


@hookimpl
def gan_register_commands(register: Callable[[CommandSpec], None]) -> None:
    for spec in CORE_COMMANDS:
        register(spec)
