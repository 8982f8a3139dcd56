"""Streaming feature statistics: equal to the batch computation, mergeable, memory independent of N."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import FeatureStatistics


def _data(n: int = 1000, d: int = 24, offset: float = 0.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + offset


def _assert_matches(stats: FeatureStatistics, x: np.ndarray, rtol: float = 1e-10) -> None:
    mean, cov = x.mean(axis=0), np.cov(x, rowvar=False)
    assert stats.count == x.shape[0]
    np.testing.assert_allclose(stats.mean.numpy(), mean, rtol=rtol, atol=rtol * np.abs(mean).max())
    np.testing.assert_allclose(stats.covariance.numpy(), cov, rtol=rtol, atol=rtol * np.abs(cov).max())


@pytest.mark.parametrize("sizes", [[1000], [1, 999], [7, 13, 1, 500, 479], [250] * 4])
def test_streaming_equals_the_batch_computation(sizes: list[int]) -> None:
    x = _data()
    stats = FeatureStatistics()
    start = 0
    for size in sizes:
        stats.update(x[start : start + size])
        start += size
    _assert_matches(stats, x)


def test_large_common_offset_keeps_its_precision() -> None:
    """Features sharing a large offset: the naive E[xx^T] - E[x]E[x]^T would lose ~8 digits here."""
    x = _data(offset=1e4, seed=1)
    stats = FeatureStatistics()
    for chunk in np.array_split(x, 9):
        stats.update(torch.from_numpy(chunk))
    _assert_matches(stats, x, rtol=1e-9)


def test_merge_equals_accumulating_everything() -> None:
    x = _data(seed=2)
    parts = [FeatureStatistics().update(chunk) for chunk in np.array_split(x, 5)]
    merged = FeatureStatistics.merge_all(parts)
    _assert_matches(merged, x)
    # merging does not change its inputs, and works in any order and with empty accumulators
    assert parts[0].count == 200
    reordered = FeatureStatistics.merge_all([FeatureStatistics(), *reversed(parts), FeatureStatistics()])
    _assert_matches(reordered, x)


def test_state_dict_round_trip_and_gather() -> None:
    """What a distributed evaluation does: each process saves its state, one merges them."""
    x = _data(seed=3)
    states = [FeatureStatistics().update(chunk).state_dict() for chunk in np.array_split(x, 3)]
    as_numpy = [{key: value.numpy() for key, value in state.items()} for state in states]
    rebuilt = FeatureStatistics.merge_all(FeatureStatistics.from_state_dict(s) for s in as_numpy)
    _assert_matches(rebuilt, x)


def test_memory_does_not_grow_with_the_number_of_samples() -> None:
    small = FeatureStatistics().update(_data(n=10, d=16))
    large = FeatureStatistics()
    for seed in range(20):
        large.update(_data(n=2000, d=16, seed=seed))
    for stats in (small, large):
        sizes = {key: tuple(value.shape) for key, value in stats.state_dict().items()}
        assert sizes == {"count": (1,), "mean": (16,), "scatter": (16, 16)}
    assert large.count == 40_000


def test_float32_input_is_accumulated_in_float64() -> None:
    x32 = _data(seed=4).astype(np.float32)
    stats = FeatureStatistics().update(torch.from_numpy(x32))
    assert stats.mean.dtype == torch.float64
    _assert_matches(stats, x32.astype(np.float64))


def test_empty_batches_are_ignored_and_dim_can_be_given() -> None:
    stats = FeatureStatistics(dim=24)
    stats.update(np.zeros((0, 24)))
    x = _data(seed=5)
    stats.update(x)
    _assert_matches(stats, x)


def test_covariance_is_exactly_symmetric() -> None:
    cov = FeatureStatistics().update(_data(seed=6)).covariance
    assert torch.equal(cov, cov.T)


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"^batch: has 5 features per sample but the accumulator has 4$"):
        FeatureStatistics().update(np.zeros((3, 4))).update(np.zeros((3, 5)))
    with pytest.raises(ConfigError, match=r"^statistics: a covariance needs at least 2 samples, got 1$"):
        _ = FeatureStatistics().update(np.zeros((1, 4))).covariance
    with pytest.raises(ConfigError, match=r"^statistics: no samples were added"):
        _ = FeatureStatistics().mean
    with pytest.raises(ConfigError, match=r"^batch: contains NaN or infinite values$"):
        FeatureStatistics().update(np.full((2, 2), np.inf))
    with pytest.raises(ConfigError, match=r"^other: has dimension 3 but these statistics have 4$"):
        FeatureStatistics().update(np.zeros((2, 4))).merge(FeatureStatistics().update(np.zeros((2, 3))))
    with pytest.raises(ConfigError, match=r"^dim: must be an integer >= 1, got 0$"):
        FeatureStatistics(dim=0)
    with pytest.raises(ConfigError, match=r"^state: is missing scatter$"):
        FeatureStatistics.from_state_dict({"count": 1, "mean": np.zeros(2)})
