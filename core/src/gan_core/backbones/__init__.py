"""Network building blocks that several variants share: DCGAN's convolutional stacks and an MLP.

They live in the core, not in one plugin, so that dcgan, cgan, wgan and third-party variants reuse
the same faithful DCGAN layout without depending on each other. Each block maps a flat vector to a
sample or a sample to a flat feature vector; conditioning, heads and losses stay in the plugins.
"""

from gan_core.backbones.conv import ConvDecoder, ConvEncoder, conv_plan
from gan_core.backbones.init import dcgan_init_
from gan_core.backbones.mlp import MLP, NORMS
from gan_core.backbones.scaling import ValueRange

__all__ = ["MLP", "NORMS", "ConvDecoder", "ConvEncoder", "ValueRange", "conv_plan", "dcgan_init_"]
