"""The DTN objective against hand computations (equations 3-7 of Taigman et al. 2017)."""

from __future__ import annotations

import math

import pytest
import torch

from gan_plugin_dtn.losses import (
    DTNLoss,
    discriminator_loss,
    f_constancy_loss,
    generator_adversarial_loss,
    identity_loss,
    total_variation,
)
from gan_plugin_dtn.networks import FROM_SOURCE, FROM_TARGET, REAL_TARGET


def confident(label: int, n: int = 4, margin: float = 2.0) -> torch.Tensor:
    """Logits whose softmax gives ``label`` probability e^m / (e^m + 2)."""
    logits = torch.zeros(n, 3)
    logits[:, label] = margin
    return logits


def nll(margin: float, right: bool) -> float:
    """-log p of the class, for the logits of :func:`confident`."""
    denominator = math.exp(margin) + 2
    return -math.log((math.exp(margin) if right else 1.0) / denominator)


def test_the_three_classes_are_distinct() -> None:
    assert sorted({FROM_SOURCE, FROM_TARGET, REAL_TARGET}) == [0, 1, 2]


def test_discriminator_loss_is_three_cross_entropies() -> None:
    perfect = discriminator_loss(confident(FROM_SOURCE), confident(FROM_TARGET), confident(REAL_TARGET))
    assert float(perfect) == pytest.approx(3 * nll(2.0, right=True), rel=1e-6)
    fooled = discriminator_loss(confident(REAL_TARGET), confident(REAL_TARGET), confident(REAL_TARGET))
    assert float(fooled) == pytest.approx(2 * nll(2.0, right=False) + nll(2.0, right=True), rel=1e-6)
    uniform = torch.zeros(5, 3)
    assert float(discriminator_loss(uniform, uniform, uniform)) == pytest.approx(3 * math.log(3), rel=1e-6)


def test_generator_pushes_both_kinds_of_fake_towards_real_target() -> None:
    assert float(generator_adversarial_loss(confident(REAL_TARGET), confident(REAL_TARGET))) == pytest.approx(
        2 * nll(2.0, right=True), rel=1e-6
    )
    # a fake the discriminator files under its own origin costs the generator more
    assert generator_adversarial_loss(confident(FROM_SOURCE), confident(FROM_TARGET)) > generator_adversarial_loss(
        confident(REAL_TARGET), confident(REAL_TARGET)
    )


def test_constancy_and_identity_are_mean_squared_errors() -> None:
    a, b = torch.zeros(2, 128), torch.full((2, 128), 0.5)
    assert float(f_constancy_loss(a, b)) == pytest.approx(0.25)
    assert float(f_constancy_loss(a, a)) == 0.0
    x = torch.zeros(3, 1, 32, 32)
    assert float(identity_loss(x, x + 2)) == pytest.approx(4.0)


def test_total_variation() -> None:
    flat = torch.full((2, 1, 8, 8), 0.3)
    assert float(total_variation(flat)) == pytest.approx(0.0, abs=1e-3)
    ramp = torch.arange(8.0).repeat(8, 1).view(1, 1, 8, 8)  # +1 per column: |grad| = 1 at 7x7 points
    assert float(total_variation(ramp)) == pytest.approx(49.0, rel=1e-4)


def test_the_protocol_face_stacks_source_over_target_fakes() -> None:
    loss = DTNLoss()
    fakes = torch.cat([confident(FROM_SOURCE, 2), confident(FROM_TARGET, 2)])
    assert torch.equal(
        loss.discriminator_loss(confident(REAL_TARGET, 2), fakes),
        discriminator_loss(confident(FROM_SOURCE, 2), confident(FROM_TARGET, 2), confident(REAL_TARGET, 2)),
    )
    assert torch.equal(
        loss.generator_loss(None, fakes),
        generator_adversarial_loss(confident(FROM_SOURCE, 2), confident(FROM_TARGET, 2)),
    )
    assert loss.relativistic is False
    with pytest.raises(ValueError, match="two equal batches"):
        loss.generator_loss(None, torch.zeros(3, 3))


def test_the_weights_belong_to_the_step_with_the_papers_defaults() -> None:
    from gan_plugin_dtn import DTNStep

    assert DTNStep() == DTNStep(alpha=15.0, beta=15.0, gamma=0.0, adversarial=True)
