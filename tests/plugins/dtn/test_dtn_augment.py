"""The distortions of `gan dtn-pretrain --augment`: shapes, determinism, identity, stroke changes."""

from __future__ import annotations

import attrs
import pytest
import torch
from dtn_helpers import tiny_target

from gan_core.errors import ConfigError
from gan_plugin_dtn.augment import Distortions, distort
from gan_plugin_dtn.pretrain import PretrainSettings, train_classifier

NONE = Distortions(rotation_deg=0.0, scale=(1.0, 1.0), shear=0.0, shift=0.0, elastic=0.0, stroke_prob=0.0)


def _images(n: int = 8, channels: int = 3) -> torch.Tensor:
    return torch.rand(n, channels, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_distortions_keep_shape_and_range_and_follow_the_generator() -> None:
    images = _images()
    first = distort(images, torch.Generator().manual_seed(5))
    again = distort(images, torch.Generator().manual_seed(5))
    other = distort(images, torch.Generator().manual_seed(6))
    assert first.shape == images.shape and first.dtype == images.dtype
    assert first.min() >= -1 and first.max() <= 1
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert not torch.allclose(first, images, atol=1e-3)


def test_each_image_gets_its_own_draw() -> None:
    one = _images(1)
    twice = distort(one.expand(2, -1, -1, -1).contiguous(), torch.Generator().manual_seed(1))
    assert not torch.allclose(twice[0], twice[1], atol=1e-3)


def test_no_distortion_is_the_identity() -> None:
    images = _images()
    assert torch.allclose(distort(images, torch.Generator().manual_seed(0), NONE), images, atol=1e-5)


def test_a_stroke_change_grows_or_erases_a_one_pixel_dot() -> None:
    dot = -torch.ones(64, 1, 32, 32)
    dot[:, :, 16, 16] = 1.0
    out = distort(dot, torch.Generator().manual_seed(0), attrs.evolve(NONE, stroke_prob=1.0))
    bright = (out > 0).sum(dim=(1, 2, 3))
    assert set(bright.tolist()) == {0, 9}  # thinner: the dot is gone; thicker: a 3x3 square


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("scale", {"scale": (1.2, 0.8)}), ("stroke_prob", {"stroke_prob": 1.5}), ("shear", {"shear": -1})],
)
def test_bad_settings_name_the_field(field: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=field):
        Distortions(**kwargs)  # type: ignore[arg-type]


def test_augmented_pretraining_is_deterministic_and_differs_from_plain() -> None:
    data = tiny_target(64)
    plain = train_classifier(data, data, PretrainSettings(steps=2, batch_size=16, seed=3))
    augmented = [
        train_classifier(data, data, PretrainSettings(steps=2, batch_size=16, seed=3, augment=True)) for _ in "ab"
    ]
    weight = "head.weight"
    assert torch.equal(augmented[0].model.state_dict()[weight], augmented[1].model.state_dict()[weight])
    assert not torch.equal(plain.model.state_dict()[weight], augmented[0].model.state_dict()[weight])
