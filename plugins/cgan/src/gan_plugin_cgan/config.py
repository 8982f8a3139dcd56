"""Hyperparameters of the conditional GAN, each traced to a paper or to a measurement (docs/theory/cgan.md)."""

from __future__ import annotations

import attrs

from gan_core import in_range, layer_sizes, non_negative, one_of, positive
from gan_core.backbones import NORMS
from gan_plugin_cgan.conditioning import MODES

BACKBONES = ("conv", "mlp")


@attrs.frozen(kw_only=True)
class CGANConfig:
    """A conditional GAN. ``backbone`` picks DCGAN's convolutional stacks (images) or MLPs (points or
    images, as in the paper); ``conditioning`` picks how the label enters (see
    :mod:`gan_plugin_cgan.conditioning`). The optimiser is Radford et al. 2016's. What was measured on
    mnist-5k, and what is still open about the default recipe, is in docs/theory/cgan.md."""

    backbone: str = attrs.field(
        default="conv",
        validator=one_of(*BACKBONES),
        metadata={"help": "the networks: DCGAN's convolutional stacks (images) or MLPs (points or images)"},
    )
    # "embedding": the highest conditional accuracy measured here (96.6% against one-hot's 96.1% and
    # projection's 49%, docs/theory/cgan.md); "one-hot" is the paper's
    conditioning: str = attrs.field(
        default="embedding", validator=one_of(*MODES), metadata={"help": "how the class label enters the networks"}
    )
    # the paper: 100-d noise (uniform there; the core draws N(0, I))
    latent_dim: int = attrs.field(
        default=100, validator=positive, metadata={"help": "dimension of the noise z fed to the generator"}
    )
    # learned label vector beside z in G (modes "embedding" and "projection"), and beside the sample
    # in an MLP D (mode "embedding"); 50 as in the paper's 50-unit label layer of D
    embed_dim: int = attrs.field(
        default=50,
        validator=positive,
        metadata={"help": 'size of the learned label vector (conditioning "embedding" and "projection")'},
    )
    # conv backbone: channels next to the image (DCGAN's 64x64 model: 128; PyTorch's example: 64);
    # 64: at 32 (gan-plugin-dcgan's CPU default) classes collapsed onto others (docs/theory/cgan.md)
    width: int = attrs.field(
        default=64,
        validator=positive,
        metadata={"help": "conv backbone: channels next to the image, doubling at each halving of the resolution"},
    )
    g_norm: str = attrs.field(  # conv backbone only (DCGAN)
        default="batch",
        validator=one_of(*NORMS),
        metadata={"help": "conv backbone: the generator's normalisation layers"},
    )
    d_norm: str = attrs.field(  # conv backbone only (DCGAN)
        default="batch",
        validator=one_of(*NORMS),
        metadata={"help": "conv backbone: the discriminator's normalisation layers"},
    )
    # mlp backbone: vanilla's MNIST MLPs (the paper's 200+1000 -> 1200 units G and maxout D are
    # replaced by plain layers of similar size; docs/theory/cgan.md)
    g_hidden: tuple[int, ...] = attrs.field(
        default=(256, 512, 1024),
        validator=layer_sizes,
        metadata={"help": "mlp backbone: widths of the generator's hidden layers"},
    )
    d_hidden: tuple[int, ...] = attrs.field(
        default=(1024, 512, 256),
        validator=layer_sizes,
        metadata={"help": "mlp backbone: widths of the discriminator's hidden layers"},
    )
    leaky_slope: float = attrs.field(
        default=0.2,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": "negative slope of the discriminator's LeakyReLU activations"},
    )
    dropout: float = attrs.field(  # MLP D; the paper: 0.5
        default=0.5,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={"help": "mlp backbone: dropout probability in the discriminator"},
    )
    # Goodfellow et al., sec. 3; any registered loss (`gan plugins` lists them), looked up when the run starts
    loss: str = attrs.field(
        default="non-saturating",
        metadata={"help": "the adversarial loss (`gan plugins` lists them)", "allowed": "a registered loss"},
    )
    real_label: float = attrs.field(  # 0.9: smoothing
        default=1.0,
        validator=in_range(0.0, 1.0, low_open=True),
        metadata={"help": "the discriminator's target for real samples (0.9: one-sided label smoothing)"},
    )
    lr: float = attrs.field(  # Radford et al. 2016
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
    beta1: float = attrs.field(  # Radford et al. 2016
        default=0.5, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(
        default=0.999, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )
