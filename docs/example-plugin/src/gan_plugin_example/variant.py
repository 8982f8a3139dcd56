"""The example's variant and loss: what :mod:`gan_plugin_example.plugin` registers, by name.

This module imports torch and the networks; gan-core imports it only when the variant or the loss is
first used (``gan train lsgan-example``), never for ``gan --help`` or ``gan plugins``.
"""

from __future__ import annotations

import torch

from gan_core import DataInfo, Game, LossSpec, Noise, Variant
from gan_plugin_example.config import LSGANConfig
from gan_plugin_example.losses import LeastSquaresLoss
from gan_plugin_example.models import MLPDiscriminator, MLPGenerator


def build(config: LSGANConfig, data: DataInfo) -> Game:
    """Fresh models for ``data`` and everything the trainer runs. The trainer seeds the RNG before
    calling, so this must not."""
    generator = MLPGenerator(config.latent_dim, data.shape, config.g_hidden, data.value_range)
    discriminator = MLPDiscriminator(data.shape, config.d_hidden)
    betas = (config.beta1, config.beta2)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=betas),
        # what the generator reads: z ~ N(0, I) of latent_dim (the trainer draws it)
        inputs=Noise(config.latent_dim),
        # a Loss object, or the name of any registered loss ("hinge"), which the trainer looks up
        loss=LeastSquaresLoss(config.real_target, config.fake_target, config.generator_target),
        # step defaults to gan_core.alternating_step (d_steps discriminator updates, one generator
        # update); regularizers=(gan_core.GradientPenalty(10.0),) would add a penalty to D's update
    )


LSGAN_EXAMPLE = Variant(
    name="lsgan-example",
    config_cls=LSGANConfig,
    build=build,
    description="Example plugin: least-squares GAN (Mao et al. 2017) on small MLPs",
    data_kinds=frozenset({"image", "points"}),
    # Defaults for the [train] section that suit this variant. Measured here on the 2-D ring of 8
    # Gaussians with seeds 0, 1, 2: 4,000 steps of batch 256 capture 8, 7 and 8 of the 8 modes with
    # 51-57% high-quality samples, in about 17 s on two CPU cores (2,000 steps: about 10%).
    train_defaults={"dataset": "ring8", "steps": 4000, "batch_size": 256, "sample_every": 1000},
)


# A registered loss serves every variant that lets users choose one: --set loss=least-squares-example
LEAST_SQUARES_EXAMPLE = LossSpec(
    "least-squares-example", LeastSquaresLoss, "1/2 (D(x)-b)^2 + 1/2 (D(G(z))-a)^2; Mao et al. 2017"
)
