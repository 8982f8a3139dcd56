"""``stacked-digits``: the digit classifier read channel by channel, for Stacked MNIST (one digit per
colour channel, 1,000 modes).

Each of the three channels goes through :class:`~gan_plugin_metrics.features.digits.DigitsCNN` as a
grey digit; the features are the three 128-d vectors side by side (384-d), and the logits are the
joint log-probabilities of the 1,000 modes ``100 d_red + 10 d_green + d_blue`` (the channels read
independently), so the arg-max mode is the three arg-max digits. This is how VEEGAN, PacGAN and
R3GAN count Stacked MNIST's modes: a pretrained MNIST classifier on each channel.
"""

from __future__ import annotations

from pathlib import Path

import torch
from einops import rearrange
from torch import Tensor
from torch.nn import functional as F

from gan_plugin_metrics.features.base import Extracted
from gan_plugin_metrics.features.digits import INPUT_SIZE, DigitsExtractor, load_digits

CHANNELS = 3
MODES = 10**CHANNELS


class StackedDigitsExtractor:
    """A :class:`~gan_plugin_metrics.features.FeatureExtractor` of three-channel stacked digits."""

    name = "stacked-digits"
    input_size = INPUT_SIZE
    channels = CHANNELS
    feature_dim = CHANNELS * 128
    num_classes: int | None = MODES
    #: the modes are one digit per channel, red most significant: the ``modes`` metric splits its KL
    mode_parts: tuple[int, ...] = (10,) * CHANNELS

    def __init__(self, digits: DigitsExtractor) -> None:
        self.digits = digits
        self.weights_id = digits.weights_id
        self.device = digits.device

    @torch.no_grad()
    def extract(self, images: Tensor) -> Extracted:
        grey = rearrange(images, "n c h w -> (n c) 1 h w")
        per_channel = self.digits.extract(grey)
        assert per_channel.logits is not None
        features = rearrange(per_channel.features, "(n c) d -> n (c d)", c=CHANNELS)
        log_p = rearrange(F.log_softmax(per_channel.logits, dim=1), "(n c) k -> n c k", c=CHANNELS)
        joint = log_p[:, 0, :, None, None] + log_p[:, 1, None, :, None] + log_p[:, 2, None, None, :]
        return Extracted(features, rearrange(joint, "n a b c -> n (a b c)"))


def load_stacked_digits(
    *, weights: str | Path | None = None, device: str | torch.device = "cpu", **_: object
) -> StackedDigitsExtractor:
    """The ``stacked-digits`` extractor over the ``digits`` classifier (its shipped weights, or ``weights``)."""
    return StackedDigitsExtractor(load_digits(weights=weights, device=device))
