"""Why the paper trains G with ``-log D(G(z))``: the minimax loss saturates when D wins.

Early in training D rejects the generated samples with confidence, ``D(G(z)) -> 0``: the fake logits
``l -> -inf``. The minimax loss ``log(1 - sigmoid(l))`` has gradient ``-sigmoid(l)`` there, which
vanishes; the non-saturating loss ``-log sigmoid(l)`` has gradient ``sigmoid(l) - 1 -> -1``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

from gan_plugin_vanilla.losses import minimax_generator_loss, non_saturating_generator_loss
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator

FAKE_LOGITS = (-2.0, -5.0, -10.0, -20.0)  # D(G(z)) from 0.12 down to 2e-9


def _gradient(loss_fn: Callable[[Tensor], Tensor], logit: float) -> float:
    """``d loss / d logit`` for a batch of one fake sample."""
    logits = torch.tensor([logit], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(loss_fn(logits), logits)
    return float(grad)


def test_minimax_gradient_vanishes_while_non_saturating_stays_near_minus_one() -> None:
    minimax = [_gradient(minimax_generator_loss, logit) for logit in FAKE_LOGITS]
    non_saturating = [_gradient(non_saturating_generator_loss, logit) for logit in FAKE_LOGITS]
    for logit, g_mm, g_ns in zip(FAKE_LOGITS, minimax, non_saturating, strict=True):
        d = torch.sigmoid(torch.tensor(logit, dtype=torch.float64)).item()
        assert g_mm == pytest.approx(-d, rel=1e-9)  # d/dl log(1 - sigmoid(l)) = -sigmoid(l)
        assert g_ns == pytest.approx(d - 1, rel=1e-9)  # d/dl -log sigmoid(l) = sigmoid(l) - 1
        assert abs(g_ns) > abs(g_mm)
    magnitudes = [abs(g) for g in minimax]
    assert magnitudes == sorted(magnitudes, reverse=True) and len(set(magnitudes)) == len(magnitudes)
    assert abs(minimax[-1]) < 1e-8  # at D(G(z)) = 2e-9, G learns essentially nothing
    assert all(abs(g) >= 0.99 for logit, g in zip(FAKE_LOGITS, non_saturating, strict=True) if logit <= -5)
    assert [abs(g) for g in non_saturating] == sorted(abs(g) for g in non_saturating)


def _generator_gradient_norm(
    generator: nn.Module, discriminator: nn.Module, loss_fn: Callable[[Tensor], Tensor], z: Tensor
) -> float:
    generator.zero_grad(set_to_none=True)
    loss_fn(discriminator(generator(z))).backward()
    return float(
        torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in generator.parameters() if p.grad is not None]))
    )


def test_through_the_generator_a_confident_discriminator_starves_only_the_minimax_loss() -> None:
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, sample_shape=(2,), hidden=[16]).double()
    discriminator = MLPDiscriminator(sample_shape=(2,), hidden=[16], dropout=0.0).double().eval()
    for p in discriminator.parameters():
        p.requires_grad_(False)
    z = torch.randn(64, 4, dtype=torch.float64)

    def norms() -> tuple[float, float]:
        return (
            _generator_gradient_norm(generator, discriminator, minimax_generator_loss, z),
            _generator_gradient_norm(generator, discriminator, non_saturating_generator_loss, z),
        )

    undecided_mm, undecided_ns = norms()  # D(G(z)) near 1/2: both losses teach G
    assert undecided_mm > 0.2 * undecided_ns

    last_layer = discriminator.net[-1]
    assert isinstance(last_layer, nn.Linear)
    last_layer.bias.fill_(-30.0)  # D is now sure every sample is fake: D(G(z)) ~ 1e-13
    with torch.no_grad():
        assert float(torch.sigmoid(discriminator(generator(z))).max()) < 1e-11
    confident_mm, confident_ns = norms()
    assert confident_mm < 1e-10 * confident_ns
    assert confident_ns > 0.5 * undecided_ns  # the non-saturating gradient did not shrink
