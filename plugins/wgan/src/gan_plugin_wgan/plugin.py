"""Registration with gan-core (entry point ``gan: wgan``) and the builder."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from gan_core import DataInfo, GanModels, LossSpec, Variant, hookimpl
from gan_plugin_wgan.config import DEFAULT_STEPS, WganConfig, resolve
from gan_plugin_wgan.losses import WassersteinGPLoss, WassersteinLoss
from gan_plugin_wgan.models import ConvCritic, ConvGenerator, MLPCritic, MLPGenerator
from gan_plugin_wgan.step import wgan_step


def _optimizer(
    name: str, params: Iterable[nn.Parameter], lr: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=betas)


def build(config: WganConfig, data: DataInfo) -> GanModels:
    """Fresh generator and critic for ``data``, the loss of the configured constraint, and the optimizers."""
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
    loss = WassersteinGPLoss(settings.gp_weight) if config.constraint == "gp" else WassersteinLoss(config.clip_value)
    make = settings.optimizer, settings.lr, settings.betas
    return GanModels(
        generator=generator,
        discriminator=critic,
        loss=loss,
        g_optimizer=_optimizer(make[0], generator.parameters(), *make[1:]),
        d_optimizer=_optimizer(make[0], critic.parameters(), *make[1:]),
    )


WGAN = Variant(
    name="wgan",
    config_cls=WganConfig,
    build=build,
    step=wgan_step,
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


@hookimpl
def gan_register_variants(register: Callable[[Variant], None]) -> None:
    register(WGAN)


@hookimpl
def gan_register_losses(register: Callable[[LossSpec], None]) -> None:
    register(LossSpec("wasserstein", WassersteinLoss, "E[D(G(z))] - E[D(x)], weight clipping; Arjovsky et al. 2017"))
    register(
        LossSpec("wasserstein-gp", WassersteinGPLoss, "Wasserstein loss + gradient penalty; Gulrajani et al. 2017")
    )
