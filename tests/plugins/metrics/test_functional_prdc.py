"""Precision/recall and density/coverage: exact agreement with brute-force readings of the papers, with
prdc and with torch-fidelity, on sets with duplicates and ties; bounded memory; bad input."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from gan_core.errors import ConfigError
from gan_plugin_metrics import density_coverage, precision_recall
from gan_plugin_metrics.functional import _neighbours
from gan_plugin_metrics.functional.prdc import precision_recall_with_counters

# --- the references ---------------------------------------------------------------------------------


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All squared distances by explicit differences (exact for small integers)."""
    return ((a[:, None, :].astype(np.float64) - b[None, :, :].astype(np.float64)) ** 2).sum(axis=-1)


def _radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance to the k-th nearest neighbour, the point itself excluded (its duplicates are not)."""
    within = _sqdist(x, x)
    np.fill_diagonal(within, np.inf)
    return np.sort(within, axis=1)[:, k - 1]


def _brute_precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[int, int]:
    """Kynkäänniemi et al. 2019, Eq. (1)-(3): f(phi, Phi) = 1 iff |phi - phi'| <= |phi' - NN_k(phi')|
    for some phi' in Phi. Returns (#fake inside the real manifold, #real inside the fake manifold)."""
    cross = _sqdist(real, fake)
    fake_inside = (cross <= _radii(real, k)[:, None]).any(axis=0)
    real_inside = (cross <= _radii(fake, k)[None, :]).any(axis=1)
    return int(fake_inside.sum()), int(real_inside.sum())


def _brute_density_coverage(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[int, int]:
    """Naeem et al. 2020, Eq. (3)-(4), strict: (#(fake, real ball) incidences, #real balls with a fake)."""
    inside = _sqdist(real, fake) < _radii(real, k)[:, None]
    return int(inside.sum()), int(inside.any(axis=1).sum())


def _grid_sets(seed: int, n: int, m: int, d: int, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Features on a coarse integer grid: many exact duplicates and many tied distances."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, levels, (n, d)).astype(np.float64), rng.integers(0, levels, (m, d)).astype(np.float32)


def _with_duplicates(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous features, with rows duplicated within and across the sets, and a collapsed mode."""
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((300, 24)) + 5.0
    real[200:240] = real[:40]  # duplicates within the real set
    fake = rng.standard_normal((260, 24)) * 1.2 + 5.0
    fake[:60] = real[100:160]  # fakes that copy real samples
    fake[100:140] = fake[99]  # a collapsed mode: 41 identical fakes
    return real, fake


def _check_pr(real: np.ndarray, fake: np.ndarray, k: int) -> None:
    inside_real, inside_fake = _brute_precision_recall(real, fake, k)
    result = precision_recall(real, fake, k=k)
    assert result.precision * len(fake) == pytest.approx(inside_real, abs=1e-9)
    assert result.recall * len(real) == pytest.approx(inside_fake, abs=1e-9)
    assert result == (inside_real / len(fake), inside_fake / len(real))


def _check_dc(real: np.ndarray, fake: np.ndarray, k: int) -> None:
    incidences, covered = _brute_density_coverage(real, fake, k)
    result = density_coverage(real, fake, k=k)
    assert result == ((1.0 / k) * (incidences / len(fake)), covered / len(real))


# --- exact agreement ----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize(
    ("seed", "n", "m", "d", "levels"), [(0, 150, 130, 3, 3), (1, 90, 200, 5, 2), (2, 240, 60, 2, 4)]
)
def test_exact_on_grids_with_ties_and_duplicates(seed: int, n: int, m: int, d: int, levels: int, k: int) -> None:
    real, fake = _grid_sets(seed, n, m, d, levels)
    _check_pr(real, fake, k)
    _check_dc(real, fake, k)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_exact_on_continuous_features_with_duplicates(k: int) -> None:
    real, fake = _with_duplicates(k)
    _check_pr(real, fake, k)
    _check_dc(real, fake, k)
    _, counters = precision_recall_with_counters(real, fake, k)
    assert counters.reference_pairs > 0  # the duplicates went through the exact path
    assert counters.full_rows > 0  # the 41 identical fakes overflowed the kept neighbours


def test_exact_with_tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 7 x 13 and 1 spare neighbour: every edge of the blocked passes and the full-row
    fallback is exercised, and nothing changes."""
    real, fake = _with_duplicates(10)
    grid_real, grid_fake = _grid_sets(11, 120, 110, 3, 3)

    def results() -> list[tuple[float, float]]:
        return [precision_recall(real, fake), density_coverage(real, fake), precision_recall(grid_real, grid_fake)]

    expected = results()
    monkeypatch.setattr(_neighbours, "BLOCK_ROWS", 7)
    monkeypatch.setattr(_neighbours, "BLOCK_COLS", 13)
    monkeypatch.setattr(_neighbours, "SLACK", 1)
    monkeypatch.setattr(_neighbours, "PAIR_CHUNK", 5)
    assert results() == expected
    _check_pr(grid_real, grid_fake, 3)
    _check_dc(real, fake, 5)


def test_float64_fast_pass_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """With TF32/bf16 products possible, the fast pass runs in float64: same answers, by construction."""
    real, fake = _with_duplicates(20)
    expected = precision_recall(real, fake), density_coverage(real, fake)
    monkeypatch.setattr(_neighbours, "approx_dtype", lambda device: torch.float64)
    assert (precision_recall(real, fake), density_coverage(real, fake)) == expected


def test_float32_dot_product_trick_alone_would_be_wrong() -> None:
    """Why the exact path exists: with |a|^2 + |b|^2 - 2ab in float32 duplicates are not at distance 0."""
    real, _ = _with_duplicates(30)
    x = torch.from_numpy(real).float()
    sq = x.square().sum(1)
    approx = sq[:, None] + sq[None, :] - 2 * x @ x.T
    assert bool((approx[200:240, :40].diagonal() != 0).any())


def test_agrees_with_prdc_density_and_coverage() -> None:
    prdc = pytest.importorskip("prdc")
    for seed, (n, m, d, levels) in enumerate([(150, 130, 3, 3), (200, 180, 4, 2)]):
        real, fake = _grid_sets(seed, n, m, d, levels)
        fake = fake.astype(np.float64)  # prdc's sklearn distances are exact on small integers in float64
        for k in (2, 5):
            with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
                reference = prdc.compute_prdc(real, fake, nearest_k=k)
            assert density_coverage(real, fake, k=k) == (reference["density"], reference["coverage"])


def test_agrees_with_torch_fidelity_precision_recall() -> None:
    prc = pytest.importorskip("torch_fidelity.metric_prc")
    real, fake = _grid_sets(5, 160, 140, 3, 3)
    # torch-fidelity's convention: features_1 generated, features_2 real; returns (precision, recall)
    reference = prc.calculate_precision_recall_full(torch.from_numpy(fake).double(), torch.from_numpy(real), 3)
    # torch-fidelity averages in float32: equal to 1e-6, while one sample more or less would be 1/160
    assert precision_recall(real, fake, k=3) == pytest.approx(reference, abs=1e-6)


def test_identical_and_disjoint_sets() -> None:
    real, _ = _with_duplicates(40)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert density_coverage(real, real).coverage == 1.0
    far = real + 1000.0
    assert precision_recall(real, far) == (0.0, 0.0)
    assert density_coverage(real, far) == (0.0, 0.0)


def test_numpy_and_torch_inputs_agree() -> None:
    real, fake = _with_duplicates(50)
    expected = precision_recall(real, fake), density_coverage(real, fake)
    as_torch = torch.from_numpy(real), torch.from_numpy(fake)
    assert (precision_recall(*as_torch), density_coverage(*as_torch)) == expected


# --- memory ---------------------------------------------------------------------------------------------

_MEMORY_PROBE = textwrap.dedent(
    """
    import json, resource, sys, torch
    from gan_plugin_metrics import precision_recall, density_coverage
    from gan_plugin_metrics.functional import _neighbours
    n, d, _neighbours.BLOCK_ROWS, _neighbours.BLOCK_COLS, threads = (int(v) for v in sys.argv[1:6])
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
    fake += 0.1  # in place: a temporary copy would raise the high-water mark before the measurement
    precision_recall(real[:50], fake[:50]); density_coverage(real[:50], fake[:50])  # warm up the libraries
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = precision_recall(real, fake) + density_coverage(real, fake)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_increase_mib": (after - before) / 1024, "result": list(result)}))
    """
)


def _peak_increase_mib(n: int, d: int, block_rows: int, block_cols: int, threads: int = 1) -> float:
    """Peak resident memory added by precision/recall and density/coverage, measured in a fresh
    interpreter (ru_maxrss is a per-process high-water mark: it cannot be reset within this one).
    One thread by default: memory does not depend on it, and on a busy two-core machine the many
    small blocks of the scaled-down case ran 25x slower with two."""
    args = [str(v) for v in (n, d, block_rows, block_cols, threads)]
    run = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, *args], capture_output=True, text=True, check=True)
    return float(json.loads(run.stdout.strip().splitlines()[-1])["peak_increase_mib"])


def test_memory_stays_bounded_scaled_down() -> None:
    """6,000 x 6,000 points with 256 x 1024 blocks: one float64 distance matrix would take 275 MiB
    (a float32 one 137 MiB); the blocked passes need the centred copies (2 x 0.4 MiB) and a few
    blocks of 1-2 MiB."""
    assert _peak_increase_mib(6000, 16, 256, 1024) < 40


@pytest.mark.slow
def test_memory_under_2_gb_at_20000_by_20000_2048d() -> None:
    """The issue's size with the default blocks: 20,000 x 20,000 points of 2048 dimensions."""
    if os.environ.get("GAN_RUN_SLOW") != "1":
        pytest.skip("set GAN_RUN_SLOW=1 to run (several minutes on two cores)")
    threads = torch.get_num_threads()
    assert _peak_increase_mib(20_000, 2048, _neighbours.BLOCK_ROWS, _neighbours.BLOCK_COLS, threads) < 2048


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda r, f: precision_recall(r, f, k=0), r"^k: must be >= 1, got 0$"),
        (lambda r, f: density_coverage(r, f, k=2.0), r"^k: must be an integer >= 1, got 2.0$"),
        (lambda r, f: precision_recall(r[:3], f, k=3), r"^real: needs at least 4 samples, got 3$"),
        (lambda r, f: precision_recall(r, f[:3], k=3), r"^fake: needs at least 4 samples, got 3$"),
        (lambda r, f: density_coverage(r, f[:0], k=3), r"^fake: needs at least 1 sample, got 0$"),
        (lambda r, f: precision_recall(r, f[:, :2]), r"^fake: has 2 features per sample but real has 3$"),
        (lambda r, f: density_coverage(r[0], f), r"^real: expected a 2-D array \(samples, features\), got shape"),
        (lambda r, f: precision_recall(r, np.where(f > 1, np.nan, f)), r"^fake: contains NaN or infinite values$"),
    ],
)
def test_bad_input(call: object, pattern: str) -> None:
    real, fake = _grid_sets(99, 20, 20, 3, 3)
    with pytest.raises(ConfigError, match=pattern):
        call(real, fake)  # type: ignore[operator]
