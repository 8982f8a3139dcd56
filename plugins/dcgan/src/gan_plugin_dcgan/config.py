"""Hyperparameters of DCGAN, each traced to Radford, Metz and Chintala (ICLR 2016) or to a measurement.

Section numbers refer to the paper ("Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", arXiv:1511.06434); section 4 lists the training details.
"""

from __future__ import annotations

import attrs

from gan_core import in_range, non_negative, one_of, positive
from gan_core.backbones import NORMS

LATENT_DISTRIBUTIONS = ("uniform", "normal")


@attrs.frozen(kw_only=True)
class DCGANConfig:
    """DCGAN's networks and optimiser. The layout (strided convolutions, batch norm, ReLU/LeakyReLU,
    tanh) is fixed by the paper's section 3 and built by :mod:`gan_core.backbones`; what is left to
    configure is the size of the networks and the training details of section 4.

    ``g_width`` and ``d_width`` are the channels of the layer next to the image; they double at each
    halving of the resolution (the paper's 64x64 LSUN generator, 1024-512-256-128, is width 128).
    The default 32 is a measurement, not the paper: on two CPU cores it is the width at which
    ``gan train dcgan`` on 28x28 MNIST gets enough steps in the wall clock of ``gan train vanilla``
    to draw every digit class (docs/theory/dcgan.md).
    """

    latent_dim: int = attrs.field(  # Fig. 1: "100 dimensional ... Z"
        default=100, validator=positive, metadata={"help": "dimension of the noise z fed to the generator"}
    )
    # Fig. 1 draws z from a uniform distribution; the core samples N(0, I), which the generator maps
    # to U(-1, 1) exactly by the normal CDF (``"normal"`` skips that: the common modern practice)
    latent_distribution: str = attrs.field(
        default="uniform",
        validator=one_of(*LATENT_DISTRIBUTIONS),
        metadata={"help": 'the noise: "uniform" U(-1, 1) (the paper\'s) or "normal" N(0, I)'},
    )
    g_width: int = attrs.field(  # measured here (see the class docstring)
        default=32,
        validator=positive,
        metadata={"help": "the generator's channels next to the image; they double at each halving of the resolution"},
    )
    d_width: int = attrs.field(
        default=32,
        validator=positive,
        metadata={
            "help": "the discriminator's channels next to the image; they double at each halving of the resolution"
        },
    )
    norm: str = attrs.field(  # sec. 3: batch norm in both networks
        default="batch", validator=one_of(*NORMS), metadata={"help": "normalisation layers in both networks"}
    )
    leaky_slope: float = attrs.field(  # sec. 4
        default=0.2,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": "negative slope of the discriminator's LeakyReLU activations"},
    )
    init_std: float = attrs.field(  # sec. 4: weights from N(0, 0.02)
        default=0.02, validator=positive, metadata={"help": "standard deviation of the N(0, std) initial weights"}
    )
    # the paper's code trains G to maximise log D(G(z)), the non-saturating loss of Goodfellow et al.
    # (any registered loss: `gan plugins` lists them; looked up when the run starts)
    loss: str = attrs.field(
        default="non-saturating",
        metadata={"help": "the adversarial loss (`gan plugins` lists them)", "allowed": "a registered loss"},
    )
    lr: float = attrs.field(  # sec. 4: "0.001 to be too high, using 0.0002"
        default=2e-4,
        validator=positive,
        metadata={"help": "Adam's learning rate (the generator's, and the discriminator's unless d_lr is set)"},
    )
    # the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017); 0: the same as lr
    d_lr: float = attrs.field(
        default=0.0,
        validator=non_negative,
        metadata={"help": "the discriminator's own learning rate; 0: the same as lr"},
    )
    beta1: float = attrs.field(  # sec. 4: 0.9 oscillated
        default=0.5, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(  # Adam's, unchanged
        default=0.999, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )
