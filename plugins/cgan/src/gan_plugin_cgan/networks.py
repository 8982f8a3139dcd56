"""The conditional networks. Each wraps a backbone from :mod:`gan_core.backbones` (an MLP or DCGAN's
convolutional stacks) with the label plumbing of one conditioning mode.

* :class:`ConditionalGenerator`: ``G(z, y) = body([z, code(y)])``, for every mode (Mirza and Osindero
  2014, section 3.2: "y is fed into both the discriminator and generator as additional input layer").
* :class:`ConcatDiscriminator`: ``D(x, y) = head(features(join(x, y)))``, where ``join`` puts the label
  beside the sample (a vector beside the flattened sample, or label maps beside the channels).
* :class:`ProjectionDiscriminator`: ``D(x, y) = psi(phi(x)) + <embed(y), phi(x)>`` (Miyato and Koyama
  2018, equation 3): the label never enters the feature extractor ``phi``.
"""

from __future__ import annotations

from collections.abc import Sequence

from einops import rearrange
from torch import Tensor, nn

from gan_core.backbones import ValueRange
from gan_plugin_cgan.conditioning import ConcatLabelMaps, ConcatToVector, LabelCode, check_labels


class ConditionalGenerator(nn.Module):
    """``(z, y) -> sample``: ``body`` maps ``[z, code(y)]`` to ``[-1, 1]``, in the sample's shape or
    flat; the output is reshaped to ``sample_shape`` and scaled to ``value_range``."""

    def __init__(
        self,
        latent_dim: int,
        code: LabelCode,
        body: nn.Module,
        sample_shape: Sequence[int],
        value_range: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.num_classes = code.num_classes
        self.join = ConcatToVector(code)
        self.body = body
        self.sample_shape = tuple(sample_shape)
        self.value_range = ValueRange(*value_range)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        x = self.body(self.join(z, check_labels(y, self.num_classes)))
        if x.dim() == 2 and len(self.sample_shape) == 3:
            c, h, w = self.sample_shape
            x = rearrange(x, "b (c h w) -> b c h w", c=c, h=h, w=w)
        return self.value_range.from_unit(x)


class ConcatDiscriminator(nn.Module):
    """``D(x, y) = head(features(join(x, y)))``: the label enters at the input (modes ``"one-hot"``
    and ``"embedding"``). ``join`` is :class:`ConcatToVector` for an MLP, :class:`ConcatLabelMaps`
    for a convolutional ``features``; ``head`` is one linear layer to a logit."""

    def __init__(self, join: ConcatToVector | ConcatLabelMaps, features: nn.Module, feature_dim: int) -> None:
        super().__init__()
        self.num_classes = join.code.num_classes
        self.join = join
        self.features = features
        self.head = nn.Linear(feature_dim, 1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.features(self.join(x, check_labels(y, self.num_classes)))
        return rearrange(self.head(h), "b 1 -> b")


class ProjectionDiscriminator(nn.Module):
    """``D(x, y) = psi(phi(x)) + <embed(y), phi(x)>`` (Miyato and Koyama 2018, equation 3).

    ``phi`` (``features``) sees only ``x``; ``psi`` is a linear layer to one logit; ``embed`` holds one
    vector ``V_y`` per class, of phi's width. The logit is then the log density ratio of the paper's
    derivation: an unconditional part ``psi`` plus a class part that is linear in the features.
    ``embed`` starts at N(0, 0.02) like the other linear weights: at N(0, 1) its inner product with a
    few thousand features would start the logits in the tens.
    """

    def __init__(self, features: nn.Module, feature_dim: int, num_classes: int, flatten_input: bool) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.flatten_input = flatten_input
        self.features = features
        self.psi = nn.Linear(feature_dim, 1)
        self.embed = nn.Embedding(num_classes, feature_dim)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        y = check_labels(y, self.num_classes)
        phi = self.features(rearrange(x, "b ... -> b (...)") if self.flatten_input else x)
        projection = (self.embed(y) * phi).sum(dim=1)
        return rearrange(self.psi(phi), "b 1 -> b") + projection
