"""The training options every variant gets (``[train]``): what they change in a game, and where they
cannot apply.

A game is built by the variant's builder, then the options of the stabilisation toolkit are laid over
it here: spectral normalisation of the discriminator's weight layers, and the zero-centred R1 and R2
penalties as regularisers. The same function serves training and loading a run, so a discriminator
with spectral norm loads back with the same parameters. The exponential moving average of the
generator and DiffAugment act on the loop, in the trainer.
"""

from __future__ import annotations

from typing import Any

import attrs
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gan_core._config import RunConfig, TrainConfig
from gan_core._game import Game
from gan_core._protocols import Regularizer
from gan_core._records import DataInfo, LossCatalog
from gan_core._variant import Variant
from gan_core.errors import ConfigError
from gan_core.regularizers import R1, R2

#: the layers whose weights spectral normalisation divides by their largest singular value
_WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Embedding)


def make_game(
    variant: Variant, config: RunConfig, info: DataInfo, losses: LossCatalog | None, *, resolve_loss: bool = True
) -> Game:
    """The variant's game with the run's ``[train]`` options applied: what the trainer trains and what
    loading a run rebuilds."""
    game = variant.build_game(config.model, info, losses, resolve_loss=resolve_loss)
    return apply_training_options(game, config.train, info, variant.name)


def apply_training_options(game: Game, train: TrainConfig, info: DataInfo, owner: str) -> Game:
    """Spectral norm on the discriminator and R1/R2 as regularisers, where ``train`` asks for them; a
    one-line error where an option cannot apply."""
    if train.augmentations and info.kind != "image":
        raise ConfigError("train.diffaugment", f"augments images; this data set is {info.kind} (leave it empty)")
    if train.spectral_norm:
        layers = spectrally_normalise(game.discriminator)
        if not layers:
            raise ConfigError(
                "train.spectral_norm",
                f"{owner}'s discriminator has no standard weight layer (Linear, Conv, Embedding) to normalise",
            )
    extra: list[Regularizer] = []
    if train.r1:
        extra.append(R1(train.r1, train.reg_every))
    if train.r2:
        extra.append(R2(train.r2, train.reg_every))
    if not extra:
        return game
    return attrs.evolve(game, regularizers=(*game.regularizers, *extra))


def spectrally_normalise(module: nn.Module) -> list[str]:
    """Spectral normalisation (Miyato et al. 2018) of every weight layer of ``module``, in place; the
    names of the layers. The weights stay the same parameters, so optimisers built over them still
    update them; the power iteration's vectors are buffers, saved with the module."""
    names = []
    for name, layer in list(module.named_modules()):
        if isinstance(layer, _WEIGHT_LAYERS) and not _already_normalised(layer):
            spectral_norm(layer)
            names.append(name)
    return names


def _already_normalised(layer: Any) -> bool:
    return hasattr(layer, "parametrizations") and "weight" in layer.parametrizations


def discriminator_options(train: TrainConfig) -> list[str]:
    """The ``[train]`` options that act in :meth:`gan_core.StepContext.update_discriminator` or
    :meth:`~gan_core.StepContext.step_discriminator` (a step that
    updates its discriminator without it cannot honour them)."""
    named = {"train.r1": train.r1, "train.r2": train.r2, "train.diffaugment": train.diffaugment}
    return [name for name, value in named.items() if value]
