"""gan_plugin_dcgan's variant: the networks' builder and the :class:`~gan_core.Variant` the plugin registers
(deferred, from :mod:`gan_plugin_dcgan.plugin`: importing this module imports torch)."""

from __future__ import annotations

import torch

from gan_core import ConfigError, DataInfo, Game, Noise, Variant
from gan_core.backbones import conv_plan, dcgan_init_
from gan_plugin_dcgan.config import DCGANConfig
from gan_plugin_dcgan.models import DCGANDiscriminator, DCGANGenerator


def _image_shape(data: DataInfo) -> tuple[int, int, int]:
    """``data.shape`` if DCGAN's stacks can be built for it, else a one-line error saying what to change."""
    if data.kind != "image" or len(data.shape) != 3:
        raise ConfigError(
            "train.dataset", f"dcgan trains on images (C, H, W); this data set has {data.kind} of shape {data.shape}"
        )
    try:
        conv_plan(data.shape, 1)
    except ValueError as error:
        raise ConfigError(
            "train.image_size",
            f"dcgan cannot be built for images of shape {data.shape}: {error}; resize them, e.g. --set image_size=32",
        ) from None
    c, h, w = data.shape
    return c, h, w


def build(config: DCGANConfig, data: DataInfo) -> Game:
    """Fresh networks sized for ``data`` (resolution and channels), initialised from N(0, init_std),
    the configured loss (any registered one) and one Adam optimiser per network."""
    shape = _image_shape(data)
    generator = DCGANGenerator(
        config.latent_dim,
        shape,
        config.g_width,
        config.norm,
        uniform_latent=config.latent_distribution == "uniform",
        value_range=data.value_range,
    )
    discriminator = DCGANDiscriminator(shape, config.d_width, config.norm, config.leaky_slope)
    dcgan_init_(generator, config.init_std)
    dcgan_init_(discriminator, config.init_std)
    betas = (config.beta1, config.beta2)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=config.d_lr or config.lr, betas=betas),
        inputs=Noise(config.latent_dim),
        loss=config.loss,
    )


DCGAN = Variant(
    name="dcgan",
    config_cls=DCGANConfig,
    build=build,
    description="Radford et al. 2016: strided convolutional G and D with batch norm, sized by the images",
    data_kinds=frozenset({"image"}),
    # batch 128: the paper's section 4. 6,000 steps: at width 32 (about 57 ms a step on two quiet CPU
    # cores) roughly the wall clock of `gan train vanilla` (6 min 17 s), the budget the results compare at
    train_defaults={"dataset": "mnist-5k", "steps": 6000, "batch_size": 128},
)
