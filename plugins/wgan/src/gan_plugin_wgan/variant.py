"""gan_plugin_wgan's variant: the networks' builder and the :class:`~gan_core.Variant` the plugin registers
(deferred, from :mod:`gan_plugin_wgan.plugin`: importing this module imports torch)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from gan_core import DataInfo, Game, GradientPenalty, LossSpec, Noise, Regularizer, Variant, WeightClipping
from gan_plugin_wgan.config import DEFAULT_STEPS, WganConfig, resolve
from gan_plugin_wgan.losses import WassersteinLoss
from gan_plugin_wgan.models import ConvCritic, ConvGenerator, MLPCritic, MLPGenerator
from gan_plugin_wgan.step import wgan_step


def _optimizer(
    name: str, params: Iterable[nn.Parameter], lr: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=betas)


def build(config: WganConfig, data: DataInfo) -> Game:
    """Fresh generator and critic for ``data``, the Wasserstein loss with the configured constraint as a
    regulariser, WGAN's step, and the optimizers."""
    settings = resolve(config, data)
    generator: nn.Module
    critic: nn.Module
    if settings.backbone == "conv":
        generator = ConvGenerator(settings.latent_dim, data.shape, config.width)
        critic = ConvCritic(data.shape, config.width, settings.critic_norm)
    else:
        squash = data.kind == "image"  # tanh for pixels; the toy sets' Gaussian tails are unbounded
        generator = MLPGenerator(settings.latent_dim, data.shape, config.hidden, data.value_range, squash)
        critic = MLPCritic(data.shape, config.hidden, settings.critic_norm, data.value_range)
    constraint: Regularizer = (
        GradientPenalty(settings.gp_weight) if config.constraint == "gp" else WeightClipping(config.clip_value)
    )
    return Game(
        generator=generator,
        discriminator=critic,
        g_optimizer=_optimizer(settings.optimizer, generator.parameters(), settings.lr, settings.betas),
        d_optimizer=_optimizer(settings.optimizer, critic.parameters(), settings.d_lr, settings.betas),
        inputs=Noise(settings.latent_dim),
        loss=WassersteinLoss(),
        regularizers=(constraint,),
        step=wgan_step,
    )


WGAN = Variant(
    name="wgan",
    config_cls=WganConfig,
    build=build,
    description="Arjovsky et al. 2017, Gulrajani et al. 2017: Wasserstein critic, weight clipping or gradient penalty",
    data_kinds=frozenset({"image", "points"}),
    # the toy-set recipe (docs/theory/wgan.md): 5 critic steps (both papers), batch 256 (Gulrajani et al.'s
    # toy script), DEFAULT_STEPS generator steps over which both learning rates decay linearly to 0
    # (train.lr_decay; Gulrajani et al.'s CIFAR-10 models decay the same way)
    train_defaults={
        "dataset": "grid25",
        "d_steps": 5,
        "batch_size": 256,
        "steps": DEFAULT_STEPS,
        "lr_decay": "linear",
    },
)

WASSERSTEIN = LossSpec(
    "wasserstein",
    WassersteinLoss,
    "E[D(G(z))] - E[D(x)] for D, -E[D(G(z))] for G; pair it with a Lipschitz regulariser; Arjovsky et al. 2017",
)
