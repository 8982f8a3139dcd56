"""Shapes of f, g, G = g o f and the ternary D, and what keeps f fixed inside G."""

from __future__ import annotations

import math

import pytest
import torch

from gan_plugin_dtn.networks import (
    FEATURE_DIM,
    DigitClassifier,
    DigitFeatures,
    FeatureDecoder,
    RealTargetScore,
    TernaryDiscriminator,
    TransferGenerator,
    match_channels,
)


def generator(out_channels: int = 1) -> TransferGenerator:
    return TransferGenerator(DigitFeatures(3), FeatureDecoder(out_channels, (32, 16, 8)), pretrained=True)


def test_f_is_four_conv_layers_with_batch_norm_and_relu_to_128_features() -> None:
    f = DigitFeatures(3)
    convs = [m for m in f.modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in f.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    relus = [m for m in f.modules() if isinstance(m, torch.nn.ReLU)]
    assert len(convs) == len(norms) == len(relus) == 4
    assert f(torch.randn(5, 3, 32, 32)).shape == (5, FEATURE_DIM)
    assert DigitClassifier(1)(torch.randn(2, 1, 32, 32)).shape == (2, 10)


def test_grey_images_enter_a_colour_f_and_the_other_way_round() -> None:
    grey = torch.rand(2, 1, 32, 32)
    assert torch.equal(match_channels(grey, 3)[:, 2], grey[:, 0])
    colour = torch.rand(2, 3, 32, 32)
    assert torch.allclose(match_channels(colour, 1)[:, 0], colour.mean(dim=1))
    assert DigitFeatures(3)(grey).shape == (2, FEATURE_DIM)
    with pytest.raises(ValueError, match="cannot turn 2-channel"):
        match_channels(torch.rand(1, 2, 32, 32), 3)
    with pytest.raises(ValueError, match=r"expected \(N, C, 32, 32\)"):
        DigitFeatures(3)(torch.rand(1, 3, 28, 28))


def test_g_and_the_transfer_generator_shapes() -> None:
    G = generator()
    assert G(torch.randn(4, 3, 32, 32)).shape == (4, 1, 32, 32)  # images: g(f(x))
    h = torch.randn(4, G.feature_dim)
    assert torch.equal(G.eval()(h), G.g(h))  # features f already computed: g(h)
    out = G(torch.randn(3, 3, 32, 32)).detach()
    assert float(out.abs().max()) <= 1.0  # tanh
    with pytest.raises(ValueError, match="widths"):
        FeatureDecoder(1, (8, 8))


def test_f_stays_frozen_and_in_eval_mode_whatever_mode_g_is_in() -> None:
    G = generator()
    assert not any(p.requires_grad for p in G.f.parameters())
    assert all(p.requires_grad for p in G.g.parameters())
    G.train()
    assert G.training and G.g.training and not G.f.training
    assert not any(m.training for m in G.f.modules())
    running = G.f.net[1].running_mean.clone()
    G(torch.randn(8, 3, 32, 32) * 3 + 1)  # a training-mode forward would move batch-norm statistics
    assert torch.equal(G.f.net[1].running_mean, running)


def test_gradients_reach_g_through_f_but_never_f() -> None:
    G = generator()
    fake = G(torch.randn(4, 3, 32, 32))
    G.encode(fake).square().mean().backward()  # L_CONST's path: f(g(f(x)))
    assert all(p.grad is None for p in G.f.parameters())
    assert any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in G.g.parameters())


def test_pretrained_flag_travels_in_the_state_dict() -> None:
    assert bool(generator().state_dict()["pretrained"])
    blank = TransferGenerator(DigitFeatures(3), FeatureDecoder(1, (32, 16, 8)), pretrained=False)
    blank.load_state_dict(generator().state_dict())
    assert bool(blank.pretrained)


def test_discriminator_is_ternary() -> None:
    D = TernaryDiscriminator(1, (8, 16, 32))
    assert D(torch.randn(6, 1, 32, 32)).shape == (6, 3)
    assert TernaryDiscriminator(3, (8, 16, 32))(torch.randn(2, 3, 32, 32)).shape == (2, 3)


class _FixedLogits(torch.nn.Module):
    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.logits


def test_the_real_target_score_is_the_log_odds_of_real_against_both_transfers() -> None:
    """(l1, l2, l3) = (0, ln 3, ln 2): p3 / (p1 + p2) = 2 / (1 + 3), log-odds ln(1/2); adding one
    constant to all three logits changes nothing."""
    logits = torch.tensor([[0.0, math.log(3.0), math.log(2.0)], [1.0, 1.0, 1.0]])
    score = RealTargetScore(_FixedLogits(logits))(torch.zeros(2, 1, 32, 32))
    assert torch.allclose(score, torch.tensor([math.log(0.5), -math.log(2.0)]))
    shifted = RealTargetScore(_FixedLogits(logits + 7.0))(torch.zeros(2, 1, 32, 32))
    assert torch.allclose(shifted, score)


def averaged(decay: float = 0.9) -> TransferGenerator:
    torch.manual_seed(0)
    return TransferGenerator(DigitFeatures(3), FeatureDecoder(1, (32, 16, 8)), pretrained=True, average_decay=decay)


def test_the_average_follows_the_ramped_decay() -> None:
    """After one update the average sits (1 - min(decay, 2/11)) of the way towards g."""
    G = averaged(0.9)
    assert G.g_average is not None
    before = [p.clone() for p in G.g_average.parameters()]
    with torch.no_grad():
        for p in G.g.parameters():
            p.add_(1.0)
    G.update_average()
    step = 1.0 - 2.0 / 11.0
    for old, new, live in zip(before, G.g_average.parameters(), G.g.parameters(), strict=True):
        torch.testing.assert_close(new, old + step * (live - old))
    assert int(G.average_updates) == 1
    assert not any(p.requires_grad for p in G.g_average.parameters())


def test_eval_mode_answers_with_the_average_and_training_with_g() -> None:
    G = averaged()
    with torch.no_grad():
        for p in G.g.parameters():
            p.mul_(2.0)
    h = torch.randn(4, FEATURE_DIM)
    G.train()
    assert G.decoder() is G.g
    G.eval()
    assert G.decoder() is G.g_average
    with G.live_weights():
        assert G.decoder() is G.g
    assert not torch.allclose(G(h), G.g(h))


def test_batch_norm_statistics_are_copied_not_averaged() -> None:
    G = averaged()
    G.train()
    G.g(torch.randn(16, FEATURE_DIM) * 3 + 1)  # moves g's running statistics
    G.update_average()
    assert G.g_average is not None
    for average, live in zip(G.g_average.buffers(), G.g.buffers(), strict=True):
        assert torch.equal(average, live)


def test_no_average_by_default() -> None:
    G = generator()
    assert G.g_average is None and "average_updates" not in dict(G.named_buffers())
    G.eval()
    assert G.decoder() is G.g
    G.update_average()  # a no-op, not an error
