"""The metrics as :class:`gan_core.MetricSpec` records, for ``train.eval_metrics`` and ``gan eval``.

The point metrics (``point-modes``, ``swd``) are in :mod:`gan_plugin_metrics.evaluation.points`; the
extractor metrics are here.

The core's evaluator calls ``spec.compute(real, fake, real_labels=..., fake_labels=...,
num_classes=..., dataset=..., registry=...)`` with CPU tensors of samples in the data's value range (images in
``[-1, 1]``). Here the samples go through a feature extractor (``features``: ``"auto"`` picks
``digits`` for small grayscale images, ``inception-fid`` otherwise) and the metric is computed. The
real samples are the same fixed subset at every evaluation, so their features are extracted once
and remembered (keyed by the samples' content); so are a generated batch's when several metrics
measure it in the same evaluation.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from gan_core import DataInfo, MetricSpec, Registry
from gan_plugin_metrics._names import AUTO, DEFAULT_RESIZE, METRICS
from gan_plugin_metrics.evaluation.metrics import check_supported, compute_metrics
from gan_plugin_metrics.evaluation.points import POINT_METRIC_SPECS
from gan_plugin_metrics.features.base import Extracted, FeatureExtractor, extract_features, mode_parts_of
from gan_plugin_metrics.features.registry import FEATURE_EXTRACTORS, choose_auto, load_extractor

_DESCRIPTIONS = {
    "fid": "Fréchet distance between Gaussians fitted to real and generated features (Heusel et al. 2017)",
    "kid": "kernel distance: unbiased MMD^2, cubic polynomial kernel, 100 subsets (Binkowski et al. 2018)",
    "is": "Inception Score of the extractor's class predictions, 10 splits (Salimans et al. 2016)",
    "pr": "improved precision and recall, k = 3 (Kynkäänniemi et al. 2019)",
    "dc": "density and coverage, k = 5 (Naeem et al. 2020)",
    "class-coverage": "classes the generated samples fall into, and KL of their histogram from the data's",
    "conditional-accuracy": "fraction of samples generated for class c that the classifier assigns to c",
    "modes": "classes covered by at least one sample, and KL of their histogram from uniform (Stacked MNIST)",
}

_MEMO: OrderedDict[tuple[str, ...], Extracted] = OrderedDict()
_MEMO_SIZE = 4


def _digest(x: Tensor) -> str:
    data = x.detach().cpu().contiguous()
    return hashlib.sha1(data.numpy().tobytes()).hexdigest() + str(tuple(data.shape))


def _extractors(registry: Registry | None) -> Registry:
    """The registry the trainer passes (every plugin's extractors), or, without one, ours alone."""
    if registry is not None:
        return registry
    own = Registry()
    for spec in FEATURE_EXTRACTORS:
        own.add("feature extractor", spec, plugin="metrics")
    return own


def _extract(
    extractor: FeatureExtractor, samples: Tensor, value_range: Sequence[float], resize: str, batch_size: int
) -> Extracted:
    key = (extractor.name, extractor.weights_id, str(extractor.device), resize, str(tuple(value_range)))
    key += (_digest(samples),)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    extracted = extract_features(extractor, samples, value_range=value_range, resize=resize, batch_size=batch_size)
    _MEMO[key] = extracted
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return extracted


def _default_device() -> torch.device:
    if torch.cuda.is_available():
        from accelerate import PartialState

        return PartialState().device
    return torch.device("cpu")


def compute_metric(
    name: str,
    real: Tensor,
    fake: Tensor,
    *,
    real_labels: Tensor | None = None,
    fake_labels: Tensor | None = None,
    num_classes: int | None = None,
    dataset: str | None = None,
    features: str = AUTO,
    resize: str = DEFAULT_RESIZE,
    value_range: Sequence[float] = (-1.0, 1.0),
    device: str | torch.device | None = None,
    batch_size: int = 200,
    registry: Registry | None = None,
    **_: Any,
) -> Mapping[str, float]:
    """One metric on real and generated samples (what each registered ``MetricSpec.compute`` runs);
    ``registry`` (the trainer passes its own) finds third-party feature extractors."""
    if real.dim() != 4:
        raise ValueError(f"metric {name!r} measures images; got samples of shape {tuple(real.shape[1:])}")
    info = DataInfo(shape=tuple(real.shape[1:]), kind="image", num_classes=num_classes)
    chosen = choose_auto(info, dataset) if features == AUTO else features
    extractor = load_extractor(chosen, _extractors(registry), device=device or _default_device(), field="features")
    check_supported([name], extractor, conditional=fake_labels is not None, field="train.eval_metrics")
    real_x = _extract(extractor, real, value_range, resize, batch_size)
    fake_x = _extract(extractor, fake, value_range, resize, batch_size)
    return compute_metrics(
        [name],
        real_x,
        fake_x,
        requested_labels=fake_labels,
        num_classes=extractor.num_classes,
        mode_parts=mode_parts_of(extractor),
    )


def _spec(name: str) -> MetricSpec:
    def compute(real: Tensor, fake: Tensor, **options: Any) -> Mapping[str, float]:
        return compute_metric(name, real, fake, **options)

    compute.__doc__ = f"{_DESCRIPTIONS[name]}; see gan_plugin_metrics.evaluation.specs.compute_metric."
    return MetricSpec(name, compute, _DESCRIPTIONS[name], higher_is_better=name not in {"fid", "kid"})


#: the metrics measured on an extractor's features (:data:`METRICS`, by the same names)
EXTRACTOR_METRIC_SPECS: tuple[MetricSpec, ...] = tuple(_spec(name) for name in METRICS)
#: everything this plugin registers: the extractor metrics, then the point metrics
METRIC_SPECS: tuple[MetricSpec, ...] = EXTRACTOR_METRIC_SPECS + POINT_METRIC_SPECS
