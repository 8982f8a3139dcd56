"""What a feature extractor is, and the one way samples are brought to its input.

An extractor is what ``FeatureExtractorSpec.load(**options)`` returns (the core registers the spec,
this plugin defines the object): a network with a fixed square input, features of a fixed size and,
for classifiers, logits. It sees images already prepared by :func:`prepare_images`: float32 in
``[0, 1]``, with its own number of channels and its own input size. Keeping value scaling, channel
conversion and resizing outside the networks means every extractor treats samples alike, and the
resize mode can be named in every result (implementations of FID disagree mostly through resizing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs
import torch
from torch import Tensor
from torch.nn import functional as F

from gan_core.errors import ConfigError, GanError, describe_choices
from gan_plugin_metrics._names import DEFAULT_RESIZE, RESIZE_MODES

#: how images of another size reach an extractor's input size (see :func:`resize_images`)
#: ITU-R BT.601 luma weights, for RGB samples fed to a grayscale extractor (PIL's ``convert("L")``)
_LUMA = (0.299, 0.587, 0.114)


class WeightsUnavailableError(GanError):
    """An extractor's weights are neither where the user said nor in a cache, and cannot be downloaded."""


def missing_weights_error(name: str, path: Path, hint: str) -> WeightsUnavailableError:
    return WeightsUnavailableError(f"{name} weights: no file {path}; {hint}")


def describe_load_error(error: BaseException) -> str:
    """Why a weights file did not load, in a few words on one line (``KeyError: '105'`` is what
    ``torch.load`` says of a text file: the type is half the message)."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    first = lines[0]
    if len(first) > 120:  # torch's long explanations: their first sentence says what went wrong
        cut = first.find(". ", 20)
        first = first[:cut] if 0 < cut <= 120 else first[:117] + "..."
    return f"{type(error).__name__}: {first}"


@attrs.frozen
class Extracted:
    """What an extractor returns for a batch: ``features`` ``(N, D)`` and, for classifiers, ``logits``
    ``(N, K)``; both float32."""

    features: Tensor
    logits: Tensor | None = None


@runtime_checkable
class FeatureExtractor(Protocol):
    """The object a registered ``FeatureExtractorSpec.load(**options)`` returns.

    ``load`` must accept ``device`` (where ``extract`` runs) and ``weights`` (a path that overrides
    the default weights; ``None`` for the default) and ignore options it does not know.
    ``weights_id`` names the weights (e.g. a hash prefix): cached real-data statistics are keyed by
    it, so new weights never meet old statistics.
    """

    name: str
    input_size: int
    channels: int
    feature_dim: int
    num_classes: int | None
    weights_id: str
    device: torch.device

    def extract(self, images: Tensor) -> Extracted:
        """Features (and logits) of ``(N, channels, input_size, input_size)`` float images in ``[0, 1]``."""
        ...


def mode_parts_of(extractor: FeatureExtractor) -> tuple[int, ...] | None:
    """The parts a classifier's classes are made of, or ``None``: the one reader of an optional attribute.

    ``mode_parts`` is not in :class:`FeatureExtractor` because almost no classifier has it (only
    ``stacked-digits``: one digit per channel, ``(10, 10, 10)``); extractors written before it, in
    this plugin or outside, keep conforming. With it, the ``modes`` metric splits its KL into the
    parts' own imbalance and their dependence.
    """
    parts = getattr(extractor, "mode_parts", None)
    return None if parts is None else tuple(int(part) for part in parts)


def check_resize_mode(mode: str, field: str = "resize") -> str:
    if mode not in RESIZE_MODES:
        raise ConfigError(field, f"must be {describe_choices(RESIZE_MODES)}, got {mode!r}")
    return mode


def resize_images(images: Tensor, size: int, mode: str = DEFAULT_RESIZE) -> Tensor:
    """Resize float ``(N, C, H, W)`` images to ``size x size``; unchanged if they already are.

    ``bilinear-antialias`` (the default) filters before it shrinks, as PIL does, so that downsampling
    does not alias; when enlarging (28 to 299 for Inception) it is plain bilinear interpolation.
    ``bilinear`` never filters: ``F.interpolate(mode="bilinear", align_corners=False)``, exactly what
    pytorch-fid does, for numbers comparable with it.
    """
    check_resize_mode(mode)
    if images.shape[-2:] == (size, size):
        return images
    antialias = mode == "bilinear-antialias"
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=antialias)


def convert_channels(images: Tensor, channels: int) -> Tensor:
    """Grayscale to RGB by repetition, RGB to grayscale by BT.601 luma; other counts are refused."""
    have = images.shape[1]
    if have == channels:
        return images
    if have == 1 and channels == 3:
        return images.expand(-1, 3, -1, -1)
    if have == 3 and channels == 1:
        weights = images.new_tensor(_LUMA).view(1, 3, 1, 1)
        return (images * weights).sum(dim=1, keepdim=True)
    raise ConfigError("features", f"the extractor takes {channels}-channel images; samples have {have} channels")


def prepare_images(
    images: Tensor,
    extractor: FeatureExtractor,
    *,
    value_range: Sequence[float] = (-1.0, 1.0),
    resize: str = DEFAULT_RESIZE,
) -> Tensor:
    """Samples in ``value_range`` to the extractor's input: ``[0, 1]`` (clamped), its channels, its size."""
    if images.dim() != 4:
        raise ConfigError("features", f"image extractors take (N, C, H, W) samples, got shape {tuple(images.shape)}")
    low, high = float(value_range[0]), float(value_range[1])
    x = ((images.to(extractor.device, torch.float32) - low) / (high - low)).clamp_(0.0, 1.0)
    x = convert_channels(x, extractor.channels)
    return resize_images(x, extractor.input_size, resize).contiguous()


def _batches(images: Tensor | Iterable[Tensor], batch_size: int) -> Iterable[Tensor]:
    if isinstance(images, Tensor):
        for start in range(0, len(images), batch_size):
            yield images[start : start + batch_size]
    else:
        yield from images


def extract_features(
    extractor: FeatureExtractor,
    images: Tensor | Iterable[Tensor],
    *,
    value_range: Sequence[float] = (-1.0, 1.0),
    resize: str = DEFAULT_RESIZE,
    batch_size: int = 200,
) -> Extracted:
    """Features (and logits) of samples, batch by batch, gathered on the CPU.

    ``images`` is one tensor (split into ``batch_size`` chunks) or an iterable of batches, so that
    samples can be generated and measured without holding them all.
    """
    check_resize_mode(resize)
    features: list[Tensor] = []
    logits: list[Tensor] = []
    for batch in _batches(images, batch_size):
        out = extractor.extract(prepare_images(batch, extractor, value_range=value_range, resize=resize))
        features.append(out.features.float().cpu())
        if out.logits is not None:
            logits.append(out.logits.float().cpu())
    if not features:
        raise ValueError("no images to extract features from")
    return Extracted(torch.cat(features), torch.cat(logits) if logits else None)
