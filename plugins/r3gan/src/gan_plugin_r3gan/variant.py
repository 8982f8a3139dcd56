"""gan_plugin_r3gan's variant: the networks' builder and the :class:`~gan_core.Variant` the plugin registers
(deferred, from :mod:`gan_plugin_r3gan.plugin`: importing this module imports torch)."""

from __future__ import annotations

import torch

from gan_core import ConfigError, DataInfo, Game, Noise, Variant
from gan_core.backbones import conv_plan
from gan_plugin_r3gan.config import R3GANConfig
from gan_plugin_r3gan.networks import R3Discriminator, R3Generator


def _image_shape(data: DataInfo) -> tuple[int, int, int]:
    if data.kind != "image" or len(data.shape) != 3:
        raise ConfigError(
            "train.dataset", f"r3gan trains on images (C, H, W); this data set has {data.kind} of shape {data.shape}"
        )
    try:
        conv_plan(data.shape, 1)
    except ValueError as error:
        raise ConfigError(
            "train.image_size", f"r3gan cannot be built for images of shape {data.shape}: {error}"
        ) from None
    c, h, w = data.shape
    return c, h, w


def build(config: R3GANConfig, data: DataInfo) -> Game:
    """R3GAN's game: the normalisation-free residual networks sized by the images, the relativistic
    pairing loss and Adam with beta1 = 0 for both players (R1 and R2 come from train.r1 and train.r2)."""
    shape = _image_shape(data)
    generator = R3Generator(
        config.latent_dim,
        shape,
        config.g_widths,
        config.blocks,
        config.group_width,
        config.expansion,
        data.value_range,
        stem=config.stem,
    )
    discriminator = R3Discriminator(
        shape,
        config.d_widths,
        config.blocks,
        config.group_width,
        config.expansion,
        mbstd_group=config.mbstd_group,
        mbstd_channels=config.mbstd_channels,
        pack=config.pack,
    )
    betas = (config.beta1, config.beta2)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=config.d_lr or config.lr, betas=betas),
        inputs=Noise(config.latent_dim),
        loss=config.loss,
    )


R3GAN = Variant(
    name="r3gan",
    config_cls=R3GANConfig,
    build=build,
    description="Huang et al. 2024 at small scale: RpGAN + R1 + R2 on a normalisation-free ResNet",
    data_kinds=frozenset({"image"}),
    # the recipe measured on mnist-5k and stacked-mnist (docs/results.md): batch 32 (at one budget on
    # the CPU, more and smaller updates covered more modes and reached a lower FID than batch 64), a
    # moving average of G with a half-life of 10,000 images (StyleGAN2's), the rates decaying linearly to
    # zero, R1 and R2 at 0.1 every fourth update (0.01 from 2026-12-03 to 12-06: a channel collapsed on
    # two seeds of three; every run records its train section, so older runs keep their 0.01)
    train_defaults={
        "dataset": "mnist-5k",
        "steps": 6000,
        "batch_size": 32,
        "ema": 10_000,
        "lr_decay": "linear",
        "r1": 0.1,
        "r2": 0.1,
        "reg_every": 4,
    },
)
