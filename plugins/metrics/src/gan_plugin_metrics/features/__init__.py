"""Feature extractors: the networks that turn samples into the vectors metrics compare."""

from gan_plugin_metrics.features.base import (
    DEFAULT_RESIZE,
    RESIZE_MODES,
    Extracted,
    FeatureExtractor,
    WeightsUnavailableError,
    extract_features,
    mode_parts_of,
    prepare_images,
    resize_images,
)

__all__ = [
    "DEFAULT_RESIZE",
    "RESIZE_MODES",
    "Extracted",
    "FeatureExtractor",
    "WeightsUnavailableError",
    "extract_features",
    "mode_parts_of",
    "prepare_images",
    "resize_images",
]
