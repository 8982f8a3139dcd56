"""Stacked MNIST's modes: the stacked-digits extractor reads each channel with the digits classifier,
and the ``modes`` metric counts the modes covered and the KL divergence of their histogram from uniform."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core import DataInfo, Registry
from gan_core.data.stacked import MODES, stack_digits
from gan_plugin_metrics.evaluation.metrics import compute_metrics
from gan_plugin_metrics.features.base import Extracted, prepare_images
from gan_plugin_metrics.features.registry import choose_auto, load_extractor


def test_stacked_digits_reads_the_modes_of_real_stacked_digits(registry: Registry) -> None:
    images, modes = stack_digits(600, seed=5)
    extractor = load_extractor("stacked-digits", registry)
    extracted = extractor.extract(prepare_images(images.float() / 127.5 - 1, extractor, value_range=(-1, 1)))
    assert extracted.features.shape == (600, 384) and extracted.logits is not None
    assert extracted.logits.shape == (600, MODES)
    predicted = extracted.logits.argmax(dim=1)
    assert (predicted == modes).float().mean() > 0.95  # three digits right at a time
    assert torch.allclose(extracted.logits.logsumexp(dim=1), torch.zeros(600), atol=1e-4)  # log-probabilities


def test_modes_by_hand() -> None:
    """Four samples in two of four classes: 2 modes, KL(P || uniform) = sum 1/2 log(1/2 / 1/4) = log 2."""
    logits = torch.full((4, 4), -10.0)
    logits[[0, 1], 0] = 0.0
    logits[[2, 3], 3] = 0.0
    fake = Extracted(torch.zeros(4, 2), logits)
    results = compute_metrics(["modes"], None, fake)
    assert results == {"modes": 2.0, "modes_kl": pytest.approx(math.log(2))}


def test_auto_picks_stacked_digits_for_stacked_mnist() -> None:
    info = DataInfo(shape=(3, 28, 28), kind="image", num_classes=1000)
    assert choose_auto(info, "stacked-mnist") == "stacked-digits"
    assert choose_auto(info, "core:stacked-mnist") == "stacked-digits"
    assert choose_auto(info, "cifar10") == "inception-fid"
