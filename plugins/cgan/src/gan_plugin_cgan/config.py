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

    backbone: str = attrs.field(default="conv", validator=one_of(*BACKBONES))
    # "embedding": the highest conditional accuracy measured here (96.6% against one-hot's 96.1% and
    # projection's 49%, docs/theory/cgan.md); "one-hot" is the paper's
    conditioning: str = attrs.field(default="embedding", validator=one_of(*MODES))
    # the paper: 100-d noise (uniform there; the core draws N(0, I))
    latent_dim: int = attrs.field(default=100, validator=positive)
    # learned label vector beside z in G (modes "embedding" and "projection"), and beside the sample
    # in an MLP D (mode "embedding"); 50 as in the paper's 50-unit label layer of D
    embed_dim: int = attrs.field(default=50, validator=positive)
    # conv backbone: channels next to the image (DCGAN's 64x64 model: 128; PyTorch's example: 64);
    # 64: at 32 (gan-plugin-dcgan's CPU default) classes collapsed onto others (docs/theory/cgan.md)
    width: int = attrs.field(default=64, validator=positive)
    g_norm: str = attrs.field(default="batch", validator=one_of(*NORMS))  # conv backbone only (DCGAN)
    d_norm: str = attrs.field(default="batch", validator=one_of(*NORMS))  # conv backbone only (DCGAN)
    # mlp backbone: vanilla's MNIST MLPs (the paper's 200+1000 -> 1200 units G and maxout D are
    # replaced by plain layers of similar size; docs/theory/cgan.md)
    g_hidden: tuple[int, ...] = attrs.field(default=(256, 512, 1024), validator=layer_sizes)
    d_hidden: tuple[int, ...] = attrs.field(default=(1024, 512, 256), validator=layer_sizes)
    leaky_slope: float = attrs.field(default=0.2, validator=in_range(0.0, 1.0, high_open=True))
    dropout: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0, high_open=True))  # MLP D; the paper: 0.5
    # Goodfellow et al., sec. 3; any registered loss (`gan plugins` lists them), looked up when the run starts
    loss: str = "non-saturating"
    real_label: float = attrs.field(default=1.0, validator=in_range(0.0, 1.0, low_open=True))  # 0.9: smoothing
    lr: float = attrs.field(default=2e-4, validator=positive)  # Radford et al. 2016
    # the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017); 0: the same as lr
    d_lr: float = attrs.field(default=0.0, validator=non_negative)
    beta1: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0, high_open=True))  # Radford et al. 2016
    beta2: float = attrs.field(default=0.999, validator=in_range(0.0, 1.0, high_open=True))
