"""Bringing samples to an extractor's input: value range, channels, resize modes; the extractor contract."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from gan_core import DataInfo
from gan_core.errors import ConfigError
from gan_plugin_metrics.features import (
    RESIZE_MODES,
    Extracted,
    FeatureExtractor,
    extract_features,
    prepare_images,
    resize_images,
)
from gan_plugin_metrics.features.digits import load_digits
from gan_plugin_metrics.features.registry import FEATURE_EXTRACTORS, choose_auto


class _Recorder:
    """A FeatureExtractor that returns the mean pixel per image, and remembers what it was given."""

    name = "recorder"
    input_size = 8
    channels = 1
    feature_dim = 1
    num_classes: int | None = None
    weights_id = "none"
    device = torch.device("cpu")

    def __init__(self) -> None:
        self.seen: list[torch.Tensor] = []

    def extract(self, images: torch.Tensor) -> Extracted:
        self.seen.append(images)
        return Extracted(images.mean(dim=(1, 2, 3)).unsqueeze(1))


def test_the_protocol_is_runtime_checkable() -> None:
    assert isinstance(_Recorder(), FeatureExtractor)
    assert isinstance(load_digits(), FeatureExtractor)
    assert not isinstance(object(), FeatureExtractor)
    assert {spec.name for spec in FEATURE_EXTRACTORS} == {
        "inception-fid",
        "digits",
        "inception-fid-helper",
        "stacked-digits",
    }


def test_value_range_channels_and_size() -> None:
    recorder = _Recorder()
    samples = torch.tensor([-1.0, 0.0, 1.0, 3.0]).view(1, 1, 2, 2).expand(2, 3, 2, 2)  # RGB, out of range too
    x = prepare_images(samples, recorder, value_range=(-1, 1))
    assert x.shape == (2, 1, 8, 8) and float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    same_size = _Recorder()
    same_size.input_size = 2
    y = prepare_images(samples, same_size, value_range=(-1, 1))
    # gray RGB -> luma keeps the value (weights sum to 1); [-1, 1] -> [0, 1]; 3.0 is clamped
    torch.testing.assert_close(y[0, 0], torch.tensor([[0.0, 0.5], [1.0, 1.0]]))


def test_resize_modes() -> None:
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    plain = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
    smooth = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False, antialias=True)
    assert torch.equal(resize_images(x, 16, "bilinear"), plain)
    assert torch.equal(resize_images(x, 16, "bilinear-antialias"), smooth)
    assert not torch.allclose(plain, smooth)  # shrinking: the antialiased one filters first
    assert resize_images(x, 64, "bilinear") is x
    assert set(RESIZE_MODES) == {"bilinear", "bilinear-antialias"}
    with pytest.raises(ConfigError, match="'bilinear-antialias' or 'bilinear'"):
        resize_images(x, 16, "bicubic")


def test_extract_in_batches_and_from_an_iterable() -> None:
    recorder = _Recorder()
    x = torch.rand(10, 1, 8, 8)
    whole = extract_features(recorder, x, value_range=(0, 1), batch_size=4)
    assert [len(b) for b in recorder.seen] == [4, 4, 2] and whole.features.shape == (10, 1) and whole.logits is None
    streamed = extract_features(_Recorder(), iter([x[:3], x[3:]]), value_range=(0, 1))
    torch.testing.assert_close(streamed.features, whole.features)


def test_unusable_samples_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="2 channels"):
        prepare_images(torch.zeros(1, 2, 8, 8), _Recorder())
    with pytest.raises(ConfigError, match=r"\(N, C, H, W\)"):
        prepare_images(torch.zeros(4, 2), _Recorder())


def test_auto_choice() -> None:
    assert choose_auto(DataInfo(shape=(1, 28, 28), kind="image")) == "digits"
    assert choose_auto(DataInfo(shape=(1, 32, 32), kind="image")) == "digits"
    assert choose_auto(DataInfo(shape=(3, 32, 32), kind="image")) == "inception-fid"
    assert choose_auto(DataInfo(shape=(1, 64, 64), kind="image")) == "inception-fid"
