"""The metrics ``gan eval`` and the trainer's ``train.eval_metrics`` know by name, and how each is
computed from extracted features.

Every metric reads what one extractor made of the real and the generated samples:

========================  ==========================================  ===============================
name                      results                                     needs
========================  ==========================================  ===============================
``fid``                   ``fid``                                     features
``kid``                   ``kid``, ``kid_std``                        features
``is``                    ``is``, ``is_std``                          logits (a classifier)
``pr``                    ``precision``, ``recall``                   features
``dc``                    ``density``, ``coverage``                   features
``class-coverage``        ``classes_present``, ``class_kl``           logits
``conditional-accuracy``  ``conditional_accuracy``                    logits, a conditional generator
``modes``                 ``modes``, ``modes_kl`` (and its split)      logits
========================  ==========================================  ===============================

``modes`` counts the classes the classifier assigns at least one generated sample to and the KL
divergence of their histogram from the uniform one: with ``stacked-digits`` on Stacked MNIST, the
1,000-mode measure of VEEGAN (Srivastava et al. 2017), PacGAN (Lin et al. 2018) and R3GAN (Huang et
al. 2024), reported there on 26,000 samples. When the extractor's modes are made of parts (its
``mode_parts``: ``stacked-digits`` has (10, 10, 10), one digit per channel), ``modes_kl`` is also
split in two (:func:`~gan_plugin_metrics.functional.mode_kl_split`): ``modes_kl_parts``, the digits
drawn unevenly channel by channel, and ``modes_kl_dependence``, the channels drawn together; a high
KL with every mode covered is then read as one or the other.

Settings are the papers' and the reference implementations': KID on subsets of 1,000 (fewer when
fewer samples are measured) x 100 subsets; IS over 10 splits; precision/recall with k = 3
(Kynkäänniemi et al. 2019); density/coverage with k = 5 (Naeem et al. 2020). Class coverage compares
the classes the classifier assigns to the generated samples with those it assigns to the real ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import torch
from torch import Tensor

from gan_core.errors import ConfigError, describe_choices
from gan_plugin_metrics._names import DEFAULT_METRICS, METRICS
from gan_plugin_metrics.features.base import Extracted, FeatureExtractor
from gan_plugin_metrics.functional.classifier import class_coverage, conditional_accuracy, mode_kl_split
from gan_plugin_metrics.functional.frechet import frechet_distance
from gan_plugin_metrics.functional.inception_score import inception_score
from gan_plugin_metrics.functional.kid import kernel_inception_distance
from gan_plugin_metrics.functional.prdc import density_coverage, precision_recall
from gan_plugin_metrics.functional.stats import FeatureStatistics

#: metrics that read the classifier's logits
NEEDS_LOGITS = frozenset({"is", "class-coverage", "conditional-accuracy", "modes"})
#: metrics that read every real feature vector (FID needs only their mean and covariance)
NEEDS_REAL_FEATURES = frozenset({"kid", "pr", "dc"})
#: what ``gan eval`` measures when ``--metrics`` is not given (those the extractor supports)
#: lower is better for these results; higher for the others (``class_kl`` and ``fid`` among the former)
LOWER_IS_BETTER = frozenset({"fid", "kid", "class_kl", "modes_kl", "modes_kl_parts", "modes_kl_dependence"})


@attrs.frozen
class MetricSettings:
    """The knobs of the metrics, with the reference values as defaults."""

    kid_subset_size: int = 1000  # Binkowski et al. 2018 and torch-fidelity
    kid_subsets: int = 100
    kid_seed: int = 2020  # torch-fidelity's default seed, so that the subsets are the same
    is_splits: int = 10  # Salimans et al. 2016
    pr_k: int = 3  # Kynkäänniemi et al. 2019
    dc_k: int = 5  # Naeem et al. 2020


def parse_metrics(value: str | Iterable[str], field: str = "--metrics") -> tuple[str, ...]:
    """``"fid,kid"`` (or a sequence of names) to validated names, duplicates dropped, order kept."""
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else [str(n).strip() for n in value]
    names = [n for n in names if n]
    if not names:
        raise ConfigError(field, f"name at least one metric: {describe_choices(METRICS)}")
    for name in names:
        if name not in METRICS:
            raise ConfigError(field, f"unknown metric {name!r}; allowed: {describe_choices(METRICS)}")
    return tuple(dict.fromkeys(names))


def check_supported(
    names: Sequence[str], extractor: FeatureExtractor, *, conditional: bool, field: str = "--metrics"
) -> None:
    """Refuse metrics the extractor or the generator cannot give, before any work is done."""
    for name in names:
        if name in NEEDS_LOGITS and extractor.num_classes is None:
            raise ConfigError(field, f"{name!r} needs a classifier's logits; extractor {extractor.name!r} has none")
        if name == "conditional-accuracy" and not conditional:
            raise ConfigError(field, "'conditional-accuracy' needs a conditional generator")


def default_metrics(extractor: FeatureExtractor) -> tuple[str, ...]:
    return tuple(m for m in DEFAULT_METRICS if extractor.num_classes is not None or m not in NEEDS_LOGITS)


def _predicted(extracted: Extracted, which: str) -> Tensor:
    if extracted.logits is None:
        raise ConfigError("features", f"the {which} samples' features carry no logits")
    return extracted.logits.argmax(dim=1)


def compute_metrics(
    names: Sequence[str],
    real: Extracted | None,
    fake: Extracted,
    *,
    real_statistics: FeatureStatistics | None = None,
    real_predicted: Tensor | None = None,
    requested_labels: Tensor | None = None,
    num_classes: int | None = None,
    mode_parts: tuple[int, ...] | None = None,
    settings: MetricSettings | None = None,
) -> dict[str, float]:
    """Named results of the metrics ``names``, from the extractor's output on real and fake samples.

    ``real`` may be ``None`` when only ``real_statistics`` (for FID) and ``real_predicted`` (the
    classifier's classes for the real samples, for class coverage) are needed; that is what the
    real-data cache keeps when no metric needs every real feature vector.
    ``requested_labels`` are the classes a conditional generator was asked for. ``mode_parts``: the
    parts the classifier's classes are made of (an extractor's ``mode_parts``), for the split of
    ``modes_kl``.
    """
    settings = settings or MetricSettings()
    results: dict[str, float] = {}
    if real_statistics is None and real is not None and "fid" in names:
        real_statistics = FeatureStatistics.from_features(real.features)
    if real_predicted is None and real is not None and real.logits is not None:
        real_predicted = real.logits.argmax(dim=1)
    fake_features = fake.features
    for name in names:
        if name in NEEDS_REAL_FEATURES and real is None:
            raise ValueError(f"metric {name!r} needs the real features")
        if name == "fid":
            assert real_statistics is not None
            fake_statistics = FeatureStatistics.from_features(fake_features)
            results["fid"] = frechet_distance(
                real_statistics.mean, real_statistics.covariance, fake_statistics.mean, fake_statistics.covariance
            )
        elif name == "kid":
            assert real is not None
            size = min(settings.kid_subset_size, len(real.features), len(fake_features))
            kid = kernel_inception_distance(
                real.features, fake_features, subset_size=size, n_subsets=settings.kid_subsets, seed=settings.kid_seed
            )
            results["kid"], results["kid_std"] = kid.mean, kid.std
        elif name == "is":
            score = inception_score(_require_logits(fake), splits=settings.is_splits)
            results["is"], results["is_std"] = score.mean, score.std
        elif name == "pr":
            assert real is not None
            pr = precision_recall(real.features, fake_features, k=settings.pr_k)
            results["precision"], results["recall"] = pr.precision, pr.recall
        elif name == "dc":
            assert real is not None
            dc = density_coverage(real.features, fake_features, k=settings.dc_k)
            results["density"], results["coverage"] = dc.density, dc.coverage
        elif name == "class-coverage":
            if real_predicted is None:
                raise ValueError("class coverage needs the classes predicted for the real samples")
            classes = num_classes or (fake.logits.shape[1] if fake.logits is not None else None)
            coverage = class_coverage(_predicted(fake, "generated"), real_predicted, num_classes=classes)
            results["classes_present"] = float(coverage.classes_present)
            results["class_kl"] = coverage.kl_divergence
        elif name == "modes":
            predicted = _predicted(fake, "generated")
            classes = num_classes or int(_require_logits(fake).shape[1])
            uniform = torch.arange(classes)  # one of each: the uniform histogram the modes should have
            coverage = class_coverage(predicted, uniform, num_classes=classes)
            results["modes"] = float(coverage.classes_present)
            results["modes_kl"] = coverage.kl_divergence
            if mode_parts is not None:
                split = mode_kl_split(predicted, mode_parts)
                results["modes_kl_parts"], results["modes_kl_dependence"] = split.parts, split.dependence
        elif name == "conditional-accuracy":
            if requested_labels is None:
                raise ConfigError("metrics", "'conditional-accuracy' needs the labels the samples were generated for")
            results["conditional_accuracy"] = conditional_accuracy(_predicted(fake, "generated"), requested_labels)
        else:  # parse_metrics keeps this unreachable for user input
            raise ConfigError("metrics", f"unknown metric {name!r}; allowed: {describe_choices(METRICS)}")
    return results


def _require_logits(extracted: Extracted) -> Tensor:
    if extracted.logits is None:
        raise ConfigError("metrics", "'is' needs a classifier's logits")
    return extracted.logits


def format_table(results: Mapping[str, float], extra: Mapping[str, Any] | None = None) -> str:
    """The results as a two-column text table (``gan eval``'s output)."""
    rows = [(key, _format_value(key, value)) for key, value in results.items()]
    rows += [(key, str(value)) for key, value in (extra or {}).items()]
    width = max(len(key) for key, _ in rows) if rows else 0
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def _format_value(key: str, value: float) -> str:
    if key in ("classes_present", "modes"):
        return f"{int(value)}"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return f"{value:.6g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


def as_tensor_labels(labels: Any) -> Tensor | None:
    return None if labels is None else torch.as_tensor(labels).long().flatten().cpu()
