"""Stacked MNIST's modes: the stacked-digits extractor reads each channel with the digits classifier,
and the ``modes`` metric counts the modes covered and the KL divergence of their histogram from uniform."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core import DataInfo, Registry
from gan_core.data.stacked import MODES, stack_digits
from gan_core.errors import ConfigError
from gan_plugin_metrics.evaluation.metrics import compute_metrics
from gan_plugin_metrics.features.base import Extracted, prepare_images
from gan_plugin_metrics.features.registry import choose_auto, load_extractor
from gan_plugin_metrics.functional import class_coverage, mode_kl_split


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


def test_the_kl_split_by_hand() -> None:
    """Half the samples mode 000, half 111, of three ten-digit parts. Joint: KL = log(1000 / 2). Each
    channel draws 0 and 1 half the time: KL = log(10 / 2) per channel, 3 log 5 in all. Dependence: the
    channels' entropies (log 2 each) less the joint's (log 2), 2 log 2 = log 4; and log 125 + log 4 is
    log 500, the joint KL."""
    predicted = torch.tensor([0, 111, 0, 111])
    split = mode_kl_split(predicted, (10, 10, 10))
    assert split.parts == pytest.approx(3 * math.log(5)) and split.dependence == pytest.approx(math.log(4))
    joint = class_coverage(predicted, torch.arange(1000), num_classes=1000).kl_divergence
    assert split.parts + split.dependence == pytest.approx(joint)


def test_independent_uneven_parts_have_no_dependence_and_an_even_product_no_kl() -> None:
    # every (a, b) of two parts of 2 and 3 once: uniform, nothing to split
    assert mode_kl_split(torch.arange(6), (2, 3)) == pytest.approx((0.0, 0.0))
    # the first part 0 three times as often as 1, the second uniform and independent of it:
    # parts = KL((3/4, 1/4) || (1/2, 1/2)) = 3/4 log(3/2) + 1/4 log(1/2), dependence 0
    predicted = torch.tensor([0, 1, 2] * 3 + [3, 4, 5])
    split = mode_kl_split(predicted, (2, 3))
    assert split.parts == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert split.dependence == pytest.approx(0.0, abs=1e-12)


def test_the_modes_metric_splits_its_kl_when_the_extractor_names_the_parts() -> None:
    """Classes 0 and 3 of (2, 2) are 00 and 11: each bit is fair, so the whole KL (log 2) is dependence."""
    logits = torch.full((4, 4), -10.0)
    logits[[0, 1], 0] = 0.0
    logits[[2, 3], 3] = 0.0
    results = compute_metrics(["modes"], None, Extracted(torch.zeros(4, 2), logits), mode_parts=(2, 2))
    assert results["modes_kl"] == pytest.approx(math.log(2)) and results["modes_kl_parts"] == pytest.approx(0.0)
    assert results["modes_kl_dependence"] == pytest.approx(math.log(2))


def test_the_stacked_digits_extractor_names_three_ten_digit_parts(registry: Registry) -> None:
    assert load_extractor("stacked-digits", registry).mode_parts == (10, 10, 10)


def test_a_mode_outside_the_parts_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"predicted.*\[0, 6\)"):
        mode_kl_split(torch.tensor([0, 6]), (2, 3))


def test_training_time_modes_split_the_kl_through_the_registered_metric(registry: Registry) -> None:
    """What ``train.eval_metrics = ["modes"]`` calls: the registered spec, on raw samples in [-1, 1].
    Fakes whose green and blue copy the red digit: each channel alone is nearly uniform (parts near
    0), the channels are one digit (dependence near 2 log 10 = 4.6), and the two add up to the KL."""
    images, _ = stack_digits(600, seed=6)
    real = images.float() / 127.5 - 1
    fake = real[:, :1].expand(-1, 3, -1, -1).clone()
    spec = registry.metric("modes")
    results = spec.compute(real, fake, dataset="stacked-mnist", num_classes=MODES, registry=registry)
    assert results["modes"] <= 12  # ten digits, read as the same digit three times (a few misread)
    assert results["modes_kl_parts"] < 0.1 and results["modes_kl_dependence"] > 4.0
    assert results["modes_kl_parts"] + results["modes_kl_dependence"] == pytest.approx(results["modes_kl"])
