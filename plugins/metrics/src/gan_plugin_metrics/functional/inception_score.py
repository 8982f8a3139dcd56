"""Inception Score (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))``.

Computed from classifier logits in float64: a float32 softmax of 1008 Inception logits loses the small
probabilities whose logarithms the KL divergence sums. As in the original code and torch-fidelity, the
samples are cut into ``splits`` consecutive groups (group ``i`` is rows ``i*N//splits`` to
``(i+1)*N//splits``, so every sample is used even when ``splits`` does not divide ``N``), ``p(y)`` is the
mean prediction within a group, and the result is the mean and population standard deviation
(``ddof = 0``) of the per-group scores. Rows are taken in the order given: shuffle beforehand if the
order carries information (torch-fidelity shuffles with its own seed; with ``shuffle=False`` it agrees
with this function exactly).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gan_plugin_metrics.functional._arrays import features, positive_int
from gan_plugin_metrics.functional.kid import MeanStd


def inception_score(logits: Any, splits: int = 10) -> MeanStd:
    """Inception Score of ``(n, classes)`` logits (unnormalised log-probabilities; log-probabilities
    work too, since the softmax ignores a per-row shift): mean and std over ``splits`` groups."""
    splits = positive_int(splits, "splits")
    x = features(logits, "logits", min_rows=splits)
    log_p = torch.log_softmax(x.to(torch.float64), dim=1)
    n = x.shape[0]
    scores = np.empty(splits)
    for i in range(splits):
        part = log_p[i * n // splits : (i + 1) * n // splits]
        log_marginal = torch.logsumexp(part, dim=0) - np.log(part.shape[0])  # log of the mean of p(y|x)
        kl = (part.exp() * (part - log_marginal)).sum(dim=1)
        scores[i] = float(kl.mean().exp())
    return MeanStd(float(scores.mean()), float(scores.std()))
