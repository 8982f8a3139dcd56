"""The networks of the digits experiment (Taigman et al. 2017, section 5.1), all on 32x32 images.

* :class:`DigitFeatures` is ``f``: four convolutions, each followed by batch norm and ReLU, from a
  32x32 image to a 128-d vector. :class:`DigitClassifier` puts a linear layer on top to pretrain it
  on labelled source digits; the same architecture, trained on target digits, is the evaluation
  classifier that scores transfers (it never takes part in DTN training).
* :class:`FeatureDecoder` is ``g``: transposed convolutions with batch norm and ReLU from the 128-d
  feature to an image, with a ``tanh`` output.
* :class:`TransferGenerator` is ``G = g o f`` with ``f`` frozen: no parameter of ``f`` ever requires a
  gradient and ``f`` stays in eval mode (its batch-norm statistics never move), whatever mode the
  trainer puts ``G`` in.
* :class:`TernaryDiscriminator` is ``D``: convolutions with batch norm and ReLU, three logits per
  image (:data:`FROM_SOURCE`, :data:`FROM_TARGET`, :data:`REAL_TARGET`).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from einops import rearrange
from torch import Tensor, nn

IMAGE_SIZE = 32  # the paper resizes every digit domain to 32x32
FEATURE_DIM = 128  # f's output: "a 128-d representation" (section 5.1)
NUM_DIGITS = 10

#: the discriminator's three classes: D1, D2 and D3 of the paper's equation (3)
FROM_SOURCE, FROM_TARGET, REAL_TARGET = 0, 1, 2


def match_channels(x: Tensor, channels: int) -> Tensor:
    """Give ``x`` (``N, C, H, W``) ``channels`` channels: a grey image is repeated into RGB, an RGB
    image averaged into grey. How a grey target digit enters an ``f`` trained on colour sources."""
    have = x.shape[1]
    if have == channels:
        return x
    if have == 1:
        return x.expand(-1, channels, -1, -1)
    if channels == 1:
        return x.mean(dim=1, keepdim=True)
    raise ValueError(f"cannot turn {have}-channel images into {channels}-channel ones")


def _check_size(x: Tensor) -> None:
    if x.dim() != 4 or x.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"expected (N, C, {IMAGE_SIZE}, {IMAGE_SIZE}) images, got {tuple(x.shape)}")


class DigitFeatures(nn.Module):
    """``f``: 32 -> 16 -> 8 -> 4 (stride-2 3x3 convolutions) -> 1 (a 4x4 convolution), each followed by
    batch norm and ReLU; the 1x1 map's channels are the feature vector."""

    def __init__(
        self, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256), feature_dim: int = FEATURE_DIM
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.feature_dim = feature_dim
        layers: list[nn.Module] = []
        fan_in = in_channels
        for width in widths:
            layers += [nn.Conv2d(fan_in, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            fan_in = width
        side = IMAGE_SIZE // 2 ** len(widths)
        layers += [nn.Conv2d(fan_in, feature_dim, side, bias=False), nn.BatchNorm2d(feature_dim), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        _check_size(x)
        return rearrange(self.net(match_channels(x, self.in_channels)), "b c 1 1 -> b c")


class DigitClassifier(nn.Module):
    """``f`` plus a linear layer to ten digit logits: how ``f`` is pretrained, and the architecture of
    the target-domain evaluation classifier."""

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256)) -> None:
        super().__init__()
        self.widths = tuple(widths)
        self.features = DigitFeatures(in_channels, widths)
        self.head = nn.Linear(self.features.feature_dim, NUM_DIGITS)

    @property
    def in_channels(self) -> int:
        return self.features.in_channels

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


class FeatureDecoder(nn.Module):
    """``g``: the feature as a 1x1 map -> 4x4 (a 4x4 transposed convolution) -> 8 -> 16 -> 32 (stride-2
    4x4 transposed convolutions); batch norm and ReLU after all but the last, ``tanh`` at the end."""

    def __init__(
        self, out_channels: int = 1, widths: Sequence[int] = (512, 256, 128), feature_dim: int = FEATURE_DIM
    ) -> None:
        super().__init__()
        if 4 * 2 ** len(widths) != IMAGE_SIZE:
            raise ValueError(f"g needs {IMAGE_SIZE.bit_length() - 3} widths for {IMAGE_SIZE}x{IMAGE_SIZE} images")
        self.feature_dim = feature_dim
        layers: list[nn.Module] = [nn.ConvTranspose2d(feature_dim, widths[0], 4, bias=False)]
        layers += [nn.BatchNorm2d(widths[0]), nn.ReLU()]
        for fan_in, fan_out in itertools.pairwise(widths):
            layers += [nn.ConvTranspose2d(fan_in, fan_out, 4, stride=2, padding=1, bias=False)]
            layers += [nn.BatchNorm2d(fan_out), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[-1], out_channels, 4, stride=2, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, features: Tensor) -> Tensor:
        return self.net(rearrange(features, "b c -> b c 1 1"))


class TransferGenerator(nn.Module):
    """``G = g o f`` with a frozen ``f``.

    ``G(x)`` maps images ``(N, C, 32, 32)`` into the target domain. ``G(h)`` with ``h`` of shape
    ``(N, feature_dim)`` decodes features that ``f`` already computed (``g(h)``): the DTN step encodes
    its two real batches once, without gradients, and decodes them together in one forward pass.
    The buffer ``pretrained`` records whether ``f`` holds trained weights; it travels with every
    checkpoint, so a run directory works without the original weight file.
    """

    def __init__(
        self, f: DigitFeatures, g: FeatureDecoder, *, pretrained: bool, origin: str = "", average_decay: float = 0.0
    ) -> None:
        super().__init__()
        if f.feature_dim != g.feature_dim:
            raise ValueError(f"f gives {f.feature_dim}-d features but g reads {g.feature_dim}-d ones")
        if not 0.0 <= average_decay < 1.0:
            raise ValueError(f"average_decay must be in [0, 1), got {average_decay}")
        self.origin = origin  # where f's weights came from, for messages
        self.f = f
        self.g = g
        self.feature_dim = f.feature_dim
        self.register_buffer("pretrained", torch.tensor(pretrained))
        self.f.requires_grad_(False)
        self.f.eval()
        # an exponential moving average of g's weights (Yazici et al. 2019), which answers in eval mode
        self.average_decay = average_decay
        self.g_average: FeatureDecoder | None = None
        if average_decay:
            self.g_average = copy.deepcopy(g).requires_grad_(False)
            self.register_buffer("average_updates", torch.zeros((), dtype=torch.long))
        self._live = False

    def train(self, mode: bool = True) -> TransferGenerator:
        super().train(mode)
        self.f.eval()  # f is fixed: its batch norm keeps using the statistics it was trained with
        return self

    def encode(self, x: Tensor) -> Tensor:
        """``f(x)``; gradients flow through it to ``x`` (for ``L_CONST``) but never into ``f``."""
        return self.f(x)

    def decoder(self) -> FeatureDecoder:
        """``g`` while training; the weight average, when there is one, in eval mode."""
        if self.g_average is None or self.training or self._live:
            return self.g
        return self.g_average

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.decoder()(x if x.dim() == 2 else self.encode(x))

    @torch.no_grad()
    def update_average(self) -> None:
        """One step of the average, after each update of ``g``. The decay ramps up as
        ``min(decay, (1 + t) / (10 + t))`` so that the random initial weights fade within a short run;
        batch-norm statistics are copied, not averaged."""
        if self.g_average is None:
            return
        self.average_updates += 1
        t = float(self.average_updates)
        decay = min(self.average_decay, (1.0 + t) / (10.0 + t))
        for average, live in zip(self.g_average.parameters(), self.g.parameters(), strict=True):
            average.lerp_(live, 1.0 - decay)
        for average, live in zip(self.g_average.buffers(), self.g.buffers(), strict=True):
            average.copy_(live)

    @contextmanager
    def live_weights(self) -> Iterator[None]:
        """Answer with ``g`` itself in eval mode too (to measure what the average adds)."""
        self._live = True
        try:
            yield
        finally:
            self._live = False


class TernaryDiscriminator(nn.Module):
    """``D``: 32 -> 16 -> 8 -> 4 (stride-2 3x3 convolutions with batch norm and ReLU; none on the
    input layer, as in DCGAN) -> three logits (a 4x4 convolution)."""

    def __init__(self, in_channels: int = 1, widths: Sequence[int] = (128, 256, 512)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        fan_in = in_channels
        for index, width in enumerate(widths):
            layers.append(nn.Conv2d(fan_in, width, 3, stride=2, padding=1, bias=index == 0))
            if index:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU())
            fan_in = width
        layers.append(nn.Conv2d(fan_in, 3, IMAGE_SIZE // 2 ** len(widths)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return rearrange(self.net(x), "b k 1 1 -> b k")


class RealTargetScore(nn.Module):
    """One score per image from the ternary ``D``: the log-odds of "real target" against both kinds of
    transfer, ``l_3 - log(e^l_1 + e^l_2)``. What R1 and R2 differentiate: the sum of the three raw
    logits is not a score (the softmax ignores a shift of all three), this is ``D``'s real-vs-fake
    decision."""

    def __init__(self, discriminator: nn.Module) -> None:
        super().__init__()
        self.discriminator = discriminator

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        logits = self.discriminator(x, y)
        return logits[:, REAL_TARGET] - torch.logsumexp(logits[:, [FROM_SOURCE, FROM_TARGET]], dim=1)
