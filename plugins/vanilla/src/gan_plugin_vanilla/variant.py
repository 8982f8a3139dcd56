"""gan_plugin_vanilla's variant: the networks' builder and the :class:`~gan_core.Variant` the plugin registers
(deferred, from :mod:`gan_plugin_vanilla.plugin`: importing this module imports torch)."""

from __future__ import annotations

import torch

from gan_core import DataInfo, Game, Noise, Variant
from gan_plugin_vanilla.config import VanillaConfig
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator


def _optimizer(config: VanillaConfig, params: object, lr: float) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum)  # type: ignore[arg-type]
    return torch.optim.Adam(params, lr=lr, betas=(config.beta1, config.beta2))  # type: ignore[arg-type]


def loss_options(config: VanillaConfig) -> dict[str, float]:
    """The loss's keywords: one-sided label smoothing when asked for (``real_label < 1``)."""
    return {"real_label": config.real_label} if config.real_label != 1.0 else {}


def build(config: VanillaConfig, data: DataInfo) -> Game:
    """Fresh networks sized for ``data``, the configured loss (any registered one) and one optimizer per network."""
    generator = MLPGenerator(config.latent_dim, data.shape, config.g_hidden, config.leaky_slope, data.value_range)
    discriminator = MLPDiscriminator(data.shape, config.d_hidden, config.leaky_slope, config.dropout)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=_optimizer(config, generator.parameters(), config.lr),
        d_optimizer=_optimizer(config, discriminator.parameters(), config.d_lr or config.lr),
        inputs=Noise(config.latent_dim),
        loss=config.loss,
        loss_options=loss_options(config),
    )


VANILLA = Variant(
    name="vanilla",
    config_cls=VanillaConfig,
    build=build,
    description="Goodfellow et al. 2014: MLP generator and discriminator, minimax or non-saturating loss",
    data_kinds=frozenset({"image", "points"}),
    # 12,000 steps of batch 64 (about 150 passes over mnist-5k): the grids at 3,000-9,000 steps are
    # still speckled and dominated by 1s, 7s and 9s; at 12,000 most classes are readable. About 7
    # minutes on two CPU cores (docs/results.md records the runs and the command).
    train_defaults={"dataset": "mnist-5k", "steps": 12000, "batch_size": 64},
)
