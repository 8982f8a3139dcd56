"""The modern baseline's settings, each traced to R3GAN (Huang et al. 2024) or to a measurement here.

R3GAN's CIFAR-10 model (its ``train.py`` presets) has four stages of 768 channels, two blocks each,
groups of 16 channels (cardinality 96 at an expansion of 2), 64-d noise, Adam with beta1 = 0, a learning
rate decaying from 2e-4 and gamma decaying from 0.05 for R1 and R2 alike. The defaults here keep the
shape of that recipe at the size a two-core CPU trains in minutes (docs/results.md measures them).
"""

from __future__ import annotations

import attrs

from gan_core import ConfigError, in_range, layer_sizes, non_negative, one_of, positive


@attrs.frozen(kw_only=True)
class R3GANConfig:
    """Networks, penalty and optimiser. ``g_widths`` and ``d_widths`` run from the small map to the
    image, one per stage; the last is repeated when the image needs more stages. R3GAN gives both
    networks the same widths; here the discriminator is narrower, because a training step runs it
    about three times as often as the generator (on real and generated batches, forwards and
    backwards), and on a CPU its cost is the step's (docs/results.md measures the split)."""

    latent_dim: int = attrs.field(  # R3GAN's NoiseDimension
        default=64, validator=positive, metadata={"help": "dimension of the noise z fed to the generator"}
    )
    g_widths: tuple[int, ...] = attrs.field(
        default=(128, 64, 16),
        validator=layer_sizes,
        metadata={"help": "the generator's channels per stage, from the small map to the image (the last repeats)"},
    )
    d_widths: tuple[int, ...] = attrs.field(
        default=(32, 16, 8),
        validator=layer_sizes,
        metadata={"help": "the discriminator's channels per stage, from the small map to the image (the last repeats)"},
    )
    blocks: int = attrs.field(  # residual blocks per stage (R3GAN: 2)
        default=1, validator=positive, metadata={"help": "residual blocks per stage"}
    )
    group_width: int = attrs.field(  # channels per group (R3GAN: 768*2/96)
        default=16,
        validator=positive,
        metadata={"help": "channels per group of the grouped convolutions; must divide every width times expansion"},
    )
    expansion: int = attrs.field(  # inside each block (R3GAN: 2)
        default=2, validator=positive, metadata={"help": "channel expansion inside each residual block"}
    )
    # departures from R3GAN, each measured on Stacked MNIST (docs/results.md). The stem and the
    # minibatch deviation became the defaults on 2026-12-06 (with R1 = R2 = 0.1): runs written before
    # the two settings existed were built with R3GAN's basis and no deviation, and read back so
    stem: str = attrs.field(  # R3GAN: "basis"; DCGAN: "linear"
        default="linear",
        validator=one_of("basis", "linear"),
        metadata={
            "help": "the generator's small map: \"basis\" (R3GAN's learned pattern per channel scaled by a "
            'linear map of z) or "linear" (a full linear map of z, as DCGAN\'s)',
            "unrecorded": "basis",
        },
    )
    mbstd_group: int = attrs.field(  # R3GAN: none; ProGAN and StyleGAN2: 4
        default=4,
        validator=non_negative,
        metadata={
            "help": "groups of this many samples whose feature deviation the discriminator's small map "
            "reads (minibatch standard deviation); 0: off",
            "unrecorded": 0,
        },
    )
    mbstd_channels: int = attrs.field(  # StyleGAN2: 1
        default=1,
        validator=positive,
        metadata={"help": "channels of the minibatch standard deviation; must divide d_widths' first width"},
    )
    pack: int = attrs.field(  # R3GAN: 1; PacGAN: 2 to 4
        default=1,
        validator=positive,
        metadata={
            "help": "samples the discriminator scores together, their channels stacked (PacGAN); "
            "1: each alone. train.batch_size per process must be a multiple"
        },
    )
    # the loss: R3GAN's relativistic pairing loss; any registered one may be tried. Its penalties, R1 and
    # R2 with one gamma (R3GAN: 0.05 on CIFAR-10, 2 on FFHQ-64), are the core's train.r1 and train.r2,
    # which the variant's train_defaults set
    loss: str = attrs.field(
        default="rpgan",
        metadata={"help": "the adversarial loss (`gan plugins` lists them)", "allowed": "a registered loss"},
    )
    lr: float = attrs.field(  # R3GAN starts at 2e-4; 6e-4 measured better here (docs/results.md)
        default=6e-4,
        validator=positive,
        metadata={"help": "Adam's learning rate (the generator's, and the discriminator's unless d_lr is set)"},
    )
    d_lr: float = attrs.field(  # 0: the same as lr
        default=0.0,
        validator=non_negative,
        metadata={"help": "the discriminator's own learning rate; 0: the same as lr"},
    )
    beta1: float = attrs.field(  # R3GAN: 0
        default=0.0, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(  # R3GAN: 0.9 -> 0.99
        default=0.99, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )

    def __attrs_post_init__(self) -> None:
        if self.mbstd_group and self.d_widths[0] % self.mbstd_channels:
            raise ConfigError(
                "mbstd_channels",
                f"must divide the discriminator's width at the small map ({self.d_widths[0]}), "
                f"got {self.mbstd_channels}",
            )
        for width in (*self.g_widths, *self.d_widths):
            if (width * self.expansion) % self.group_width:
                raise ConfigError(
                    "group_width",
                    f"must divide every width times the expansion ({width} x {self.expansion}), got {self.group_width}",
                )
