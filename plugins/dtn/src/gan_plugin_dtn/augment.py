"""Label-preserving distortions of digit images, for ``gan dtn-pretrain --augment``.

Why: DTN's ``L_CONST`` keeps the *digit* of a transfer only where ``f`` reads target-style digits as a
target reader would, and transfer accuracy depends on how well the evaluation classifier reads
digits that are not quite the target's. Training either network on distorted copies of its own
labelled digits (no image of the other domain is used) widens what it reads correctly. The
distortions are the generic ones of digit recognition: a random affine map (rotation, scale, shear,
shift), a smooth elastic warp (Simard et al. 2003) and a one-pixel change of stroke width, each
drawn per image.

Measured on the offline pair (docs/results.md): an ``f`` trained so reads 79.6% of held-out mnist-5k
digits instead of 73.2%, yet DTN on top of it transferred worse in the one seed tried; an evaluation
classifier trained so reads 99.0% of held-out target digits instead of 97.8%. Off by default.
"""

from __future__ import annotations

import math

import attrs
import torch
from torch import Tensor
from torch.nn import functional as F

from gan_core import ConfigError, in_range, non_negative


def _scale_range(_: object, attribute: attrs.Attribute, value: tuple[float, float]) -> None:  # type: ignore[type-arg]
    if len(value) != 2 or not 0 < value[0] <= value[1]:
        raise ConfigError(attribute.name, f"must be (low, high) with 0 < low <= high, got {value!r}")


@attrs.frozen(kw_only=True)
class Distortions:
    """How far each distortion goes; every draw is uniform within the bounds."""

    rotation_deg: float = attrs.field(default=15.0, validator=non_negative)
    scale: tuple[float, float] = attrs.field(default=(0.85, 1.15), converter=tuple, validator=_scale_range)
    shear: float = attrs.field(default=0.3, validator=non_negative)  # x += shear * y, in image units
    shift: float = attrs.field(default=0.1, validator=non_negative)  # fraction of the half side
    elastic: float = attrs.field(default=0.06, validator=non_negative)  # displacement std, half sides
    stroke_prob: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0))  # chance of a stroke change


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def _affine(n: int, settings: Distortions, generator: torch.Generator) -> Tensor:
    """``(n, 2, 3)`` maps from output to input coordinates for ``affine_grid``."""
    angle = _uniform(n, -1.0, 1.0, generator) * math.radians(settings.rotation_deg)
    scale = _uniform(n, *settings.scale, generator)
    shear = _uniform(n, -settings.shear, settings.shear, generator)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin + shear * cos
    theta[:, 1, 0], theta[:, 1, 1] = sin, cos + shear * sin
    theta[:, :, 2] = _uniform(2 * n, -settings.shift, settings.shift, generator).view(n, 2)
    return theta


def _elastic_field(n: int, height: int, width: int, strength: float, generator: torch.Generator) -> Tensor:
    """A smooth random displacement ``(n, height, width, 2)``: coarse 4x4 noise, upsampled bicubically."""
    coarse = torch.randn(n, 2, 4, 4, generator=generator) * strength
    return F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)


def _change_strokes(images: Tensor, settings: Distortions, generator: torch.Generator) -> Tensor:
    """Grow the bright or the dark parts of some images by one pixel (a 3x3 max or min filter):
    whatever the ink's colour, its strokes get thicker in some images and thinner in others."""
    n = len(images)
    chosen = torch.rand(n, generator=generator) < settings.stroke_prob
    brighter = torch.rand(n, generator=generator) < 0.5
    grown = F.max_pool2d(images, 3, stride=1, padding=1)
    shrunk = -F.max_pool2d(-images, 3, stride=1, padding=1)
    changed = torch.where(brighter.view(n, 1, 1, 1), grown, shrunk)
    return torch.where(chosen.view(n, 1, 1, 1), changed, images)


def distort(images: Tensor, generator: torch.Generator, settings: Distortions | None = None) -> Tensor:
    """Distorted copies of ``images`` (``N, C, H, W`` in [-1, 1]), each with its own random draw.

    Pixels brought in from outside the image take the value of its border (``padding_mode="border"``),
    so a digit on a coloured background keeps that background.
    """
    settings = settings or Distortions()
    n, _, height, width = images.shape
    grid = F.affine_grid(_affine(n, settings, generator), [n, 1, height, width], align_corners=False)
    if settings.elastic:
        grid = grid + _elastic_field(n, height, width, settings.elastic, generator)
    warped = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return _change_strokes(warped, settings, generator).clamp(-1.0, 1.0)


__all__ = ["Distortions", "distort"]
