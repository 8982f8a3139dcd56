"""Regularisers of the discriminator: terms added to its objective, or projections of its weights.

Each composes with any loss (``Game(regularizers=(...))``) and has a weight and an interval
``every``: applied on every k-th discriminator update and multiplied by k (lazy regularisation,
Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN", sec. 3.1).
"""

from __future__ import annotations

from typing import Any

import attrs
import torch
from einops import rearrange
from torch import Tensor, nn


def interpolation_weights(real: Tensor) -> Tensor:
    """``eps ~ U[0, 1]``, one per sample, shaped ``(B, 1, ..., 1)`` to broadcast over the sample.

    Gulrajani et al., Algorithm 1, draw one ``eps`` for each pair ``(x, x~)``; an ``eps`` per pixel
    (``torch.rand_like(real)``) would sample points off the straight lines between the pairs, where the
    optimal critic's gradient norm is not 1 (their Proposition 1).
    """
    return torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)


def interpolates(real: Tensor, fake: Tensor, eps: Tensor | None = None) -> Tensor:
    """``x_hat = eps x + (1 - eps) x~``, with ``eps`` from :func:`interpolation_weights` unless given."""
    if eps is None:
        eps = interpolation_weights(real)
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None = None, weight: float = 10.0
) -> Tensor:
    """``weight * E[(||grad_x f(x_hat)||_2 - 1)^2]`` (Gulrajani et al. 2017, eq. 3), differentiable in the
    critic's weights (``create_graph=True``) so that it can be added to the critic's loss.

    The gradient is taken per sample and its norm over all of a sample's coordinates (every pixel and
    channel of an image); the critic must therefore score each sample independently of the others in
    the batch, which batch normalisation would not (section 4 of the paper).
    """
    x_hat = interpolates(real.detach(), fake.detach()).requires_grad_(True)
    scores = critic(x_hat, y)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = torch.linalg.vector_norm(rearrange(grad, "b ... -> b (...)"), dim=1)
    return weight * ((norms - 1) ** 2).mean()


def _every(_: Any, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number of discriminator updates >= 1, got {value!r}")


@attrs.frozen
class GradientPenalty:
    """WGAN-GP's penalty on interpolates between real and fake samples (Gulrajani et al. 2017)."""

    weight: float = 10.0  # lambda; "we use lambda = 10 in all experiments" (sec. 4)
    every: int = attrs.field(default=1, validator=_every)
    name: str = "gp"

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        return gradient_penalty(discriminator, real, fake, y, self.weight)

    def after_step(self, discriminator: nn.Module) -> None:
        return None


def zero_centred_penalty(discriminator: nn.Module, x: Tensor, y: Tensor | None = None) -> Tensor:
    """``E[||grad_x D(x)||^2]``, per sample over all of its coordinates, differentiable in D's weights:
    the gradient is pushed toward zero (not one, as WGAN-GP's) on the samples themselves, which makes the
    game locally convergent (Mescheder et al. 2018, "Which Training Methods for GANs do actually
    Converge?", Theorem 4.1)."""
    x = x.detach().requires_grad_(True)
    scores = discriminator(x, y)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return rearrange(grad, "b ... -> b (...)").square().sum(dim=1).mean()


@attrs.frozen
class R1:
    """``gamma / 2 * E_real[||grad D(x)||^2]``: Mescheder et al. 2018, eq. 9, on real samples."""

    gamma: float = 1.0
    every: int = attrs.field(default=1, validator=_every)
    name: str = "r1"

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        return self.gamma / 2 * zero_centred_penalty(discriminator, real, y)

    def after_step(self, discriminator: nn.Module) -> None:
        return None


@attrs.frozen
class R2:
    """``gamma / 2 * E_fake[||grad D(x)||^2]``: the same penalty on generated samples (Mescheder et al.
    2018, eq. 10), which R3GAN applies beside R1 (Huang et al. 2024, eq. 4)."""

    gamma: float = 1.0
    every: int = attrs.field(default=1, validator=_every)
    name: str = "r2"

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        return self.gamma / 2 * zero_centred_penalty(discriminator, fake, y)

    def after_step(self, discriminator: nn.Module) -> None:
        return None


@torch.no_grad()
def clip_weights_(module: nn.Module, clip_value: float) -> None:
    """Clamp every parameter of ``module`` to ``[-clip_value, clip_value]`` in place, as Arjovsky et al.'s
    Algorithm 1 does after each critic update (normalisation scales and biases included, as in their code)."""
    for parameter in module.parameters():
        parameter.clamp_(-clip_value, clip_value)


@attrs.frozen
class WeightClipping:
    """The original WGAN's constraint: every critic weight clamped to ``[-clip, clip]`` after each update
    (Arjovsky et al. 2017, Algorithm 1, c = 0.01); it adds no penalty term."""

    clip: float = 0.01
    every: int = attrs.field(default=1, validator=_every)
    name: str = "clip"

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> None:
        return None

    def after_step(self, discriminator: nn.Module) -> None:
        clip_weights_(discriminator, self.clip)


__all__ = [
    "R1",
    "R2",
    "GradientPenalty",
    "WeightClipping",
    "clip_weights_",
    "gradient_penalty",
    "interpolates",
    "interpolation_weights",
    "zero_centred_penalty",
]
