"""Hyperparameters of the vanilla GAN, each traced to the paper or to the practice that followed it."""

from __future__ import annotations

import attrs

from gan_core import in_range, layer_sizes, non_negative, one_of, positive

OPTIMIZERS = ("adam", "sgd")


@attrs.frozen(kw_only=True)
class VanillaConfig:
    """The MLP GAN. Defaults: layer sizes and dropout of the common MNIST MLP GAN (PyTorch-GAN,
    Keras examples); LeakyReLU 0.2 and Adam(2e-4, 0.5) from Radford et al. 2015, which became the
    practice for MLP GANs too. Goodfellow et al. trained with SGD + momentum (``optimizer = "sgd"``)."""

    latent_dim: int = attrs.field(default=100, validator=positive)  # 100-d noise, as in the paper's code
    g_hidden: tuple[int, ...] = attrs.field(default=(256, 512, 1024), validator=layer_sizes)
    d_hidden: tuple[int, ...] = attrs.field(default=(1024, 512, 256), validator=layer_sizes)
    leaky_slope: float = attrs.field(default=0.2, validator=in_range(0.0, 1.0, high_open=True))
    dropout: float = attrs.field(default=0.3, validator=in_range(0.0, 1.0, high_open=True))  # D only
    # paper, section 3; any registered loss (`gan plugins` lists them), looked up when the run starts
    loss: str = "non-saturating"
    real_label: float = attrs.field(
        default=1.0, validator=in_range(0.0, 1.0, low_open=True)
    )  # 0.9: one-sided smoothing
    optimizer: str = attrs.field(default="adam", validator=one_of(*OPTIMIZERS))
    lr: float = attrs.field(default=2e-4, validator=positive)
    # the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017); 0: the same as lr
    d_lr: float = attrs.field(default=0.0, validator=non_negative)
    beta1: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0, high_open=True))  # Radford et al. 2015
    beta2: float = attrs.field(default=0.999, validator=in_range(0.0, 1.0, high_open=True))
    momentum: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0, high_open=True))  # SGD; paper's code: 0.5
