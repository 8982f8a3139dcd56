"""Reverse validation: cases whose answer is known, its blind spot, the choice (`gan dtn-select`: test_dtn_cli)."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from gan_core.data.memory import resize_images
from gan_core.data.mnist5k import read_mnist_5k
from gan_plugin_dtn.data import Labelled
from gan_plugin_dtn.selection import CheckpointChoice, ReverseData, ReverseSettings, reverse_validation_score

#: small and brief: these cases differ by far more than the noise of a short training
SETTINGS = ReverseSettings(train_images=1500, heldout_images=500, steps=80, batch_size=64, widths=(8, 16, 32))


@pytest.fixture(scope="module")
def digits() -> Labelled:
    images, labels = read_mnist_5k()
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    return Labelled(resize_images(images, 32)[order], labels.long()[order])


def one_domain(digits: Labelled, relabel: Tensor | None = None) -> ReverseData:
    """Source and target both mnist-5k (disjoint parts); ``relabel`` renames the source's classes."""
    source, heldout = digits.take(torch.arange(0, 2000)), digits.take(torch.arange(2000, 2500))
    if relabel is not None:
        source, heldout = (
            Labelled(source.images, relabel[source.labels]),
            Labelled(heldout.images, relabel[heldout.labels]),
        )
    return ReverseData(source, heldout, digits.images[2500:])


class Blank(nn.Module):
    """A generator that forgets its input: every transfer is the same grey image."""

    def forward(self, x: Tensor) -> Tensor:
        return torch.zeros(len(x), 1, 32, 32)


def test_a_generator_that_keeps_the_digit_scores_high_and_one_that_forgets_it_scores_chance(digits: Labelled) -> None:
    data = one_domain(digits)
    kept = reverse_validation_score(nn.Identity(), data, SETTINGS)
    forgot = reverse_validation_score(Blank(), data, SETTINGS)
    assert kept >= 0.8, kept
    assert forgot <= 0.2, forgot
    assert reverse_validation_score(nn.Identity(), data, SETTINGS) == kept  # deterministic


def test_it_is_blind_to_a_consistent_relabelling(digits: Labelled) -> None:
    """Every digit written as the next one scores like a correct generator: the documented blind spot."""
    shifted = reverse_validation_score(nn.Identity(), one_domain(digits, torch.arange(10).roll(1)), SETTINGS)
    assert shifted >= 0.8, shifted


def test_the_choice_is_the_best_score_and_the_later_step_on_a_tie() -> None:
    assert CheckpointChoice({100: 0.5, 200: 0.7, 300: 0.6}).step == 200
    assert CheckpointChoice({100: 0.7, 200: 0.5, 300: 0.7}).step == 300
    with pytest.raises(ValueError, match="no checkpoint"):
        CheckpointChoice({})


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="steps"):
        ReverseSettings(steps=0)
