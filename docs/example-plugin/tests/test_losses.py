"""The least-squares losses, checked against the paper's closed forms rather than hard-coded numbers."""

from __future__ import annotations

import torch

from gan_plugin_example.losses import LeastSquaresLoss, discriminator_loss, generator_loss


def test_losses_vanish_exactly_at_their_targets() -> None:
    real, fake = torch.full((5,), 1.0), torch.full((5,), 0.0)
    assert discriminator_loss(real, fake, real_target=1.0, fake_target=0.0).item() == 0.0
    assert generator_loss(torch.full((5,), 1.0), generator_target=1.0).item() == 0.0


def test_losses_are_half_mean_squared_distances() -> None:
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(64, generator=g), torch.randn(64, generator=g)
    a, b, c = -1.0, 1.0, 0.0  # the Pearson chi-squared coding, eq. (8) of Mao et al.
    expected_d = 0.5 * ((real - b) ** 2).mean() + 0.5 * ((fake - a) ** 2).mean()
    torch.testing.assert_close(discriminator_loss(real, fake, b, a), expected_d)
    torch.testing.assert_close(generator_loss(fake, c), 0.5 * ((fake - c) ** 2).mean())


def test_optimal_discriminator_matches_the_paper() -> None:
    """Mao et al., Prop. 1: for fixed G the best D is D*(x) = (b p_data + a p_g) / (p_data + p_g).

    On one point with p_data = 0.7 and p_g = 0.3, minimise the expected loss over a single score by
    gradient descent and compare with the closed form.
    """
    p_data, p_g, a, b = 0.7, 0.3, 0.0, 1.0
    score = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([score], lr=0.5)
    for _ in range(200):
        loss = p_data * 0.5 * (score - b) ** 2 + p_g * 0.5 * (score - a) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert abs(score.item() - (b * p_data + a * p_g) / (p_data + p_g)) < 1e-6


def test_loss_object_passes_its_targets_through() -> None:
    loss = LeastSquaresLoss(real_target=1.0, fake_target=-1.0, generator_target=0.0)
    scores = torch.tensor([0.5, -0.5])
    torch.testing.assert_close(loss.discriminator_loss(scores, scores), discriminator_loss(scores, scores, 1.0, -1.0))
    torch.testing.assert_close(loss.generator_loss(None, scores), generator_loss(scores, 0.0))
    assert loss.relativistic is False  # the generator's update never scores real samples for it
