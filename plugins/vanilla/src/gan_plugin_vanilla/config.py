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

    latent_dim: int = attrs.field(  # 100-d noise, as in the paper's code
        default=100, validator=positive, metadata={"help": "dimension of the noise z fed to the generator"}
    )
    g_hidden: tuple[int, ...] = attrs.field(
        default=(256, 512, 1024), validator=layer_sizes, metadata={"help": "widths of the generator's hidden layers"}
    )
    d_hidden: tuple[int, ...] = attrs.field(
        default=(1024, 512, 256),
        validator=layer_sizes,
        metadata={"help": "widths of the discriminator's hidden layers"},
    )
    leaky_slope: float = attrs.field(
        default=0.2,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": "negative slope of the LeakyReLU activations"},
    )
    dropout: float = attrs.field(  # D only
        default=0.3,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": "dropout probability in the discriminator"},
    )
    # paper, section 3; any registered loss (`gan plugins` lists them), looked up when the run starts
    loss: str = attrs.field(
        default="non-saturating",
        metadata={"help": "the adversarial loss (`gan plugins` lists them)", "allowed": "a registered loss"},
    )
    real_label: float = attrs.field(  # 0.9: one-sided smoothing
        default=1.0,
        validator=in_range(0.0, 1.0, low_open=True),
        metadata={"help": "the discriminator's target for real samples (0.9: one-sided label smoothing)"},
    )
    optimizer: str = attrs.field(
        default="adam", validator=one_of(*OPTIMIZERS), metadata={"help": "the optimiser of both networks"}
    )
    lr: float = attrs.field(
        default=2e-4,
        validator=positive,
        metadata={"help": "learning rate (the generator's, and the discriminator's unless d_lr is set)"},
    )
    # the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017); 0: the same as lr
    d_lr: float = attrs.field(
        default=0.0,
        validator=non_negative,
        metadata={"help": "the discriminator's own learning rate; 0: the same as lr"},
    )
    beta1: float = attrs.field(  # Radford et al. 2015
        default=0.5, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(
        default=0.999, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )
    momentum: float = attrs.field(  # SGD; paper's code: 0.5
        default=0.5,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": 'SGD\'s momentum (optimizer = "sgd" only)'},
    )
