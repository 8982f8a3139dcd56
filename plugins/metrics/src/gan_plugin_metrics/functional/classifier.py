"""Scores computed from a pretrained classifier's predictions on generated samples.

* :func:`conditional_accuracy`: for a conditional generator, the fraction of samples generated for
  class ``c`` that the classifier assigns to ``c`` (how well the generator obeys its label).
* :func:`class_coverage`: for any generator, how many classes its samples fall into and how far the
  histogram of predicted classes is from the data's class histogram: the mode-collapse measure of
  Metz et al. 2017 (Unrolled GANs, "KL(model || data)" over the modes of stacked MNIST) and
  Srivastava et al. 2017 (VEEGAN).

Both take labels (1-D integers) or classifier outputs (2-D scores, logits or probabilities, reduced
by arg-max), as numpy arrays or torch tensors.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics.functional._arrays import as_tensor, labels, positive_int


class ClassCoverage(NamedTuple):
    """How a generator's samples spread over the classes.

    ``classes_present``: classes predicted for at least ``min_count`` samples; ``num_classes``: the
    number of classes considered; ``kl_divergence``: ``KL(P || Q)`` in nats, where ``P`` is the
    histogram of the classes predicted for the generated samples and ``Q`` the data's class histogram.
    """

    classes_present: int
    num_classes: int
    kl_divergence: float


def _score_columns(value: Any, name: str) -> int:
    """The number of classes a 2-D score array implies (0 for 1-D labels)."""
    x = as_tensor(value, name)
    return int(x.shape[1]) if x.ndim == 2 else 0


def conditional_accuracy(predicted: Any, requested: Any) -> float:
    """Fraction of generated samples whose predicted class equals the class they were generated for.

    ``predicted``: the classifier's labels or scores for the samples; ``requested``: the labels the
    generator was conditioned on, one per sample.
    """
    pred = labels(predicted, "predicted")
    req = labels(requested, "requested").to(pred.device)
    if req.shape[0] != pred.shape[0]:
        raise ConfigError("requested", f"has {req.shape[0]} labels but predicted has {pred.shape[0]} samples")
    if pred.shape[0] == 0:
        raise ConfigError("predicted", "needs at least 1 sample, got 0")
    return float((pred == req).double().mean())


def class_coverage(predicted: Any, reference: Any, num_classes: int | None = None, min_count: int = 1) -> ClassCoverage:
    """Number of classes the generated samples cover and ``KL(P_generated || Q_data)`` between the
    class histograms.

    ``predicted``: the classifier's labels or scores for the generated samples. ``reference``: the
    data's class labels (e.g. the true labels of the real samples, or the classifier's predictions on
    them). ``num_classes``: the number of classes (default: the number of score columns when scores
    are given, otherwise ``1 + the largest label seen``).

    Direction and empty classes: ``KL(P || Q) = sum_c P(c) log(P(c) / Q(c))`` with ``0 log 0 = 0``,
    so a class the generator never produces adds nothing directly: dropped modes show in
    ``classes_present`` and raise the KL through the mass the other classes gain (a generator
    producing one of ten balanced classes scores ``log 10``). A class the generator produces but the
    data lacks (``P(c) > 0 = Q(c)``) makes the divergence infinite, returned as ``inf``. This is the
    direction and convention of Metz et al. (2017); the reverse direction would be infinite as soon as
    one mode is missing, which is exactly the case this score must grade.
    """
    pred = labels(predicted, "predicted")
    ref = labels(reference, "reference").to(pred.device)
    min_count = positive_int(min_count, "min_count")
    if pred.shape[0] == 0:
        raise ConfigError("predicted", "needs at least 1 sample, got 0")
    if ref.shape[0] == 0:
        raise ConfigError("reference", "needs at least 1 sample, got 0")
    seen = 1 + max(int(pred.max()), int(ref.max()))
    if num_classes is None:
        num_classes = max(seen, _score_columns(predicted, "predicted"), _score_columns(reference, "reference"))
    else:
        num_classes = positive_int(num_classes, "num_classes")
        if seen > num_classes:
            raise ConfigError("num_classes", f"is {num_classes} but label {seen - 1} occurs")
    p_counts = torch.bincount(pred, minlength=num_classes).double()
    q_counts = torch.bincount(ref, minlength=num_classes).double()
    p, q = p_counts / p_counts.sum(), q_counts / q_counts.sum()
    produced = p > 0
    if bool((q[produced] == 0).any()):
        kl = math.inf
    else:
        kl = float((p[produced] * (p[produced].log() - q[produced].log())).sum())
    return ClassCoverage(int((p_counts >= min_count).sum()), int(num_classes), max(kl, 0.0))


class ModeKLSplit(NamedTuple):
    """``KL(P || uniform)`` over modes made of parts (Stacked MNIST: three digits), split in two:
    ``parts``, the sum over the parts of each part's own histogram's KL from uniform (the digits drawn
    unevenly, channel by channel), and ``dependence``, the rest, the parts' total correlation
    ``sum_i H(P_i) - H(P)`` (the channels' digits drawn together); both in nats, both non-negative."""

    parts: float
    dependence: float


def mode_kl_split(predicted: Any, parts: tuple[int, ...]) -> ModeKLSplit:
    """Why a mode histogram is off uniform: the parts' own frequencies, or their dependence.

    ``predicted``: labels (or scores) of modes numbered in mixed radix over ``parts``, the first part
    most significant (``100 r + 10 g + b`` for ``parts=(10, 10, 10)``). A generator that covers every
    mode but draws one digit too rarely in every channel shows in ``parts``; one whose channels copy each
    other shows in ``dependence``; ``parts + dependence`` is :func:`class_coverage`'s KL against the
    uniform histogram. Uniform over the modes is a product of uniform parts, which is what makes this
    exact: ``KL(P || U) = sum_i KL(P_i || U_i) + (sum_i H(P_i) - H(P))``.
    """
    pred = labels(predicted, "predicted")
    if pred.shape[0] == 0:
        raise ConfigError("predicted", "needs at least 1 sample, got 0")
    sizes = [positive_int(size, "parts") for size in parts]
    modes = math.prod(sizes)
    if int(pred.max()) >= modes or int(pred.min()) < 0:
        raise ConfigError("predicted", f"labels must lie in [0, {modes}) for parts {tuple(sizes)}")

    def entropy(values: torch.Tensor, size: int) -> float:
        p = torch.bincount(values, minlength=size).double() / values.shape[0]
        p = p[p > 0]
        return float(-(p * p.log()).sum())

    joint_kl = math.log(modes) - entropy(pred, modes)
    part_kls, place = [], modes
    for size in sizes:
        place //= size
        part_kls.append(math.log(size) - entropy((pred // place) % size, size))
    parts_kl = max(sum(part_kls), 0.0)
    return ModeKLSplit(parts_kl, max(joint_kl - parts_kl, 0.0))
