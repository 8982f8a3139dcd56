"""Exact nearest-neighbour radii and radius tests between two point sets, in bounded memory.

Precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020) reduce to two
questions about squared Euclidean distances:

1. the k-th smallest distance from ``x_i`` to the other points of its set (the k-NN radius; the point
   itself is excluded by index, so a duplicate of ``x_i`` is a neighbour at distance 0), and
2. for every (real, fake) pair, whether the distance is ``<=`` (or ``<``) a radius.

The answers must be exact: with duplicated samples, or features on a coarse grid, many distances tie
with a radius and one rounding error flips a comparison. The usual ``|a|^2 + |b|^2 - 2 a.b`` is fast (a
matrix product) but not exact: a duplicate pair comes out as a small non-zero number, in float32 often
larger than genuine neighbour distances.

So every comparison is decided on the *reference distance* ``delta(a, b)``: the float64 sum of the
squared float64 differences ``(a_k - b_k)^2`` of the original coordinates. It is exactly 0 for
duplicates, exact whenever the coordinates and their squares are exactly representable (integers,
coarse grids), and otherwise correct to float64 rounding. Computing it for every pair would be a pass
over ``n * m * d`` numbers without a matrix product, so it is computed only where needed:

* A fast pass computes ``A = |a'|^2 + |b'|^2 - 2 a'.b'`` in float32 as one matrix product per block
  (rows ``[-2a', 1, |a'|^2]`` times rows ``[b', |b'|^2, 1]``), on the points centred on the real set's
  mean (centring shrinks the norms, and with them the error bound) and rounded to float32. Where
  float32 products might be done in TF32/bfloat16, float64 is used instead (see :func:`approx_dtype`).
* Standard floating-point error analysis bounds ``|A - delta|`` by ``e(a, b) = c (|a'| + |b'|)^2`` with
  ``c = (d + 32) u + (d + 2) 2^-53`` (``u`` the fast dtype's unit roundoff). The sum of ``d + 2``
  products is off by at most ``gamma_(d+2)`` times the sum of their magnitudes, which is at most
  ``(|a'| + |b'|)^2``; rounding the centred coordinates and the squared norms adds ``4u`` of the same;
  the rest of the ``32 u`` is spare. The second term is ``delta``'s own rounding.
* A comparison that comes out the same for every value in ``[A - e, A + e]`` is decided by ``A``. In a
  block only a cheap per-row screen runs (the bound with the largest norm of the other set); pairs it
  leaves open are checked with their own bound and, if still open (in practice ties, duplicates and
  distances within about ``d * 6e-8`` relative of a radius), get ``delta``.
* For the radius, each row keeps its ``k + SLACK`` smallest ``A``. The k-th smallest upper bound among
  them bounds the radius from above, so every pair whose lower bound is below it is a candidate and
  gets ``delta``; a row whose unkept pairs might still be candidates (many duplicates) is recomputed
  in full.

Memory: the two sets in the fast dtype plus a few ``BLOCK_ROWS x BLOCK_COLS`` blocks (16 MiB each in
float32), independent of the number of points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

BLOCK_ROWS = 1024  # rows of one block of the distance matrix (also the side of the radius pass's blocks)
BLOCK_COLS = 4096  # columns of one block of the real x fake matrix
SLACK = 16  # neighbours kept per row beyond k, so that ties at the k-th distance rarely need a second pass
PAIR_CHUNK = 256  # pairs whose reference distance is computed at once (PAIR_CHUNK x d float64: cache-sized)
_SLICE = 1024  # rows converted at once when preparing a set (bounds the float64 temporaries)
_UNIT_ROUNDOFF = {torch.float32: 2.0**-24, torch.float64: 2.0**-53}


def approx_dtype(device: torch.device) -> torch.dtype:
    """float32 when float32 matrix products on ``device`` are plain IEEE float32, else float64.

    TF32 or bfloat16 products (``torch.set_float32_matmul_precision("high")``, the per-backend
    ``fp32_precision`` settings, ``allow_tf32``) have a unit roundoff of 2^-11 or worse, for which the
    error bound would be wrong; we then pay for float64 products rather than trust them.
    """
    try:
        if torch.get_float32_matmul_precision() != "highest":
            return torch.float64
    except RuntimeError:  # a mix of the legacy and the per-backend settings: do not guess
        return torch.float64
    backend = torch.backends.mkldnn if device.type == "cpu" else torch.backends.cuda
    if getattr(getattr(backend, "matmul", None), "fp32_precision", "none") not in ("none", "ieee"):
        return torch.float64
    if device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32:
        return torch.float64
    return torch.float32


@dataclass
class Points:
    """One point set ready for the blocked passes."""

    original: Tensor  # (n, d) as given: reference distances are computed from these
    right: Tensor  # (n, d + 2) rows [x', |x'|^2, 1]: x' centred, in the fast dtype
    norm: Tensor  # (n,) float64 norms |x'| (for the error bounds)
    coefficient: float  # c in e(a, b) = c (|a'| + |b'|)^2

    @property
    def size(self) -> int:
        return int(self.original.shape[0])

    @property
    def dtype(self) -> torch.dtype:
        return self.right.dtype

    @property
    def max_norm(self) -> float:
        return float(self.norm.max())

    def left(self, rows: slice | Tensor) -> Tensor:
        """Rows ``[-2x', 1, |x'|^2]``: their product with :attr:`right` rows is the squared distance."""
        right = self.right[rows]
        out = torch.empty_like(right)
        torch.mul(right[:, :-2], -2.0, out=out[:, :-2])
        out[:, -2] = right[:, -1]
        out[:, -1] = right[:, -2]
        return out

    def rows(self, index: Tensor) -> Points:
        return Points(self.original[index], self.right[index], self.norm[index], self.coefficient)


@dataclass
class Counters:
    """What the passes did; tests use it to show that the exact path ran."""

    reference_pairs: int = 0  # pairs whose reference distance was computed
    full_rows: int = 0  # radius rows recomputed in full because too many candidates tied


def centre_of(x: Tensor) -> Tensor:
    """The float64 mean of the rows, summed in slices (no float64 copy of the whole set)."""
    total = torch.zeros(x.shape[1], dtype=torch.float64, device=x.device)
    for start in range(0, x.shape[0], _SLICE):
        total += x[start : start + _SLICE].to(torch.float64).sum(dim=0)
    return total / x.shape[0]


def prepare(x: Tensor, centre: Tensor, dtype: torch.dtype) -> Points:
    """Centre ``x`` on ``centre`` (in float64, slice by slice) and round it to ``dtype``; the squared
    norms of the rounded rows are summed in float64."""
    n, d = x.shape
    right = torch.empty((n, d + 2), dtype=dtype, device=x.device)
    norm2 = torch.empty(n, dtype=torch.float64, device=x.device)
    if x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64):
        # numpy: a few passes over each slice without torch's per-operation thread overhead
        x_np, c_np, right_np, norm2_np = x.numpy(), centre.numpy(), right.numpy(), norm2.numpy()
        for start in range(0, n, _SLICE):
            part = x_np[start : start + _SLICE].astype(np.float64)
            part -= c_np
            rounded = right_np[start : start + _SLICE, :d]
            rounded[...] = part
            part[...] = rounded
            norm2_np[start : start + _SLICE] = np.einsum("ij,ij->i", part, part)
    else:
        for start in range(0, n, _SLICE):
            part = (x[start : start + _SLICE].to(torch.float64) - centre).to(dtype)
            right[start : start + _SLICE, :d] = part
            norm2[start : start + _SLICE] = part.to(torch.float64).square().sum(dim=1)
    right[:, d] = norm2.to(dtype)
    right[:, d + 1] = 1.0
    coefficient = (d + 32) * _UNIT_ROUNDOFF[dtype] + (d + 2) * 2.0**-53
    return Points(x, right, norm2.sqrt(), coefficient)


def _approx(left: Tensor, b: Points, cols: slice | Tensor) -> Tensor:
    """The fast squared distances between the rows of ``left`` (from :meth:`Points.left`) and
    ``b[cols]``, in the fast dtype (a fresh tensor)."""
    return left @ b.right[cols].T


def _bound(a_norm: Tensor, b_norm: Tensor | float, coefficient: float) -> Tensor:
    return (a_norm + b_norm).square() * coefficient


def reference_sqdist(a: Tensor, rows: Tensor, b: Tensor, cols: Tensor, counters: Counters) -> Tensor:
    """``delta(a[rows[p]], b[cols[p]])`` for each pair ``p``, in float64, PAIR_CHUNK pairs at a time.

    On the CPU this runs in numpy: these are many small operations, and torch's intra-op threads
    cost more than they save on them (measured 40 us per 2048-d pair on a busy two-core machine,
    against 5 us in numpy).
    """
    counters.reference_pairs += int(rows.shape[0])
    if a.device.type == "cpu":
        a_np, b_np, r_np, c_np = a.numpy(), b.numpy(), rows.numpy(), cols.numpy()
        result = np.empty(r_np.shape[0])
        for start in range(0, r_np.shape[0], PAIR_CHUNK):
            diff = a_np[r_np[start : start + PAIR_CHUNK]].astype(np.float64)
            diff -= b_np[c_np[start : start + PAIR_CHUNK]]
            result[start : start + PAIR_CHUNK] = np.einsum("ij,ij->i", diff, diff)
        return torch.from_numpy(result)
    out = torch.empty(rows.shape[0], dtype=torch.float64, device=a.device)
    for start in range(0, rows.shape[0], PAIR_CHUNK):
        r, c = rows[start : start + PAIR_CHUNK], cols[start : start + PAIR_CHUNK]
        diff = a[r].to(torch.float64) - b[c].to(torch.float64)
        out[start : start + PAIR_CHUNK] = torch.linalg.vecdot(diff, diff)
    return out


def _float32_toward(values: Tensor, dtype: torch.dtype, direction: float) -> Tensor:
    """``values`` (float64) converted to ``dtype``, rounded toward ``direction`` (-inf or +inf), so that
    comparisons against the converted thresholds stay on the safe side."""
    converted = values.to(dtype)
    if dtype == values.dtype:
        return converted
    off = (converted.to(values.dtype) > values) if direction < 0 else (converted.to(values.dtype) < values)
    return torch.where(off, torch.nextafter(converted, torch.full_like(converted, direction)), converted)


# --- 1. k-NN radii within one set -------------------------------------------------------------------


def kth_neighbour_sqdist(points: Points, k: int, counters: Counters) -> Tensor:
    """For each point, the reference squared distance to its k-th nearest other point (float64).

    Requires ``points.size > k``. The distance matrix is symmetric, so each off-diagonal block is
    computed once and used for its rows and, transposed, for its columns.
    """
    n = points.size
    keep = min(k + SLACK, n - 1)
    device = points.right.device
    kept = torch.full((n, keep), torch.inf, dtype=points.dtype, device=device)
    index = torch.zeros((n, keep), dtype=torch.int64, device=device)

    def absorb(rows: slice, cols: slice, block: Tensor) -> None:
        """Merge a block's columns into its rows' kept smallest values."""
        values, picked = torch.cat([kept[rows], block], dim=1).topk(keep, dim=1, largest=False, sorted=False)
        kept[rows] = values
        old = index[rows].gather(1, picked.clamp(max=keep - 1))
        index[rows] = torch.where(picked >= keep, picked - keep + cols.start, old)

    for i0 in range(0, n, BLOCK_ROWS):
        rows = slice(i0, min(i0 + BLOCK_ROWS, n))
        left = points.left(rows)
        for j0 in range(i0, n, BLOCK_ROWS):
            cols = slice(j0, min(j0 + BLOCK_ROWS, n))
            block = _approx(left, points, cols)
            if i0 == j0:  # a point is not its own neighbour
                block.fill_diagonal_(torch.inf)
            absorb(rows, cols, block)
            if i0 != j0:
                absorb(cols, rows, block.T)

    # Any k kept pairs' upper bounds bound the radius from above; a pair can be within the radius
    # only if its lower bound is below that. Unkept pairs have A >= the largest kept A.
    approx = kept.to(torch.float64)
    bound = _bound(points.norm[:, None], points.norm[index], points.coefficient)
    lower, upper = approx - bound, approx + bound
    limit = upper.kthvalue(k, dim=1).values
    widest = _bound(points.norm, points.max_norm, points.coefficient)
    complete = (approx.amax(dim=1) - widest > limit) if keep < n - 1 else torch.ones_like(limit, dtype=torch.bool)
    radii = torch.empty(n, dtype=torch.float64, device=device)
    good = complete.nonzero().squeeze(1)
    if good.numel():
        r_local, slot = (lower[good] <= limit[good, None]).nonzero(as_tuple=True)
        rows_global = good[r_local]
        exact = torch.full((good.numel(), keep), torch.inf, dtype=torch.float64, device=device)
        cols_global = index[rows_global, slot]
        exact[r_local, slot] = reference_sqdist(points.original, rows_global, points.original, cols_global, counters)
        radii[good] = exact.kthvalue(k, dim=1).values
    redo = (~complete).nonzero().squeeze(1)
    if redo.numel():
        counters.full_rows += int(redo.numel())
        radii[redo] = _kth_full_rows(points, redo, limit[redo], k, counters)
    return radii


def _kth_full_rows(points: Points, rows: Tensor, limit: Tensor, k: int, counters: Counters) -> Tensor:
    """The radius for rows whose candidates did not fit in the kept slots: every pair of those rows
    whose lower bound is at most ``limit`` (a valid upper bound of the radius) gets ``delta``."""
    n = points.size
    device = rows.device
    out = torch.empty(rows.numel(), dtype=torch.float64, device=device)
    for s in range(0, rows.numel(), BLOCK_ROWS):
        chunk = rows[s : s + BLOCK_ROWS]
        sub = points.rows(chunk)
        left = sub.left(slice(None))
        pair_rows, pair_cols = [], []
        for j0 in range(0, n, BLOCK_COLS):
            cols = slice(j0, min(j0 + BLOCK_COLS, n))
            lower = _approx(left, points, cols).to(torch.float64)
            lower -= _bound(sub.norm[:, None], points.norm[None, cols], points.coefficient)
            own = chunk - j0
            inside = (own >= 0) & (own < cols.stop - j0)
            lower[inside.nonzero().squeeze(1), own[inside]] = torch.inf  # not its own neighbour
            r, c = (lower <= limit[s : s + BLOCK_ROWS, None]).nonzero(as_tuple=True)
            pair_rows.append(r)
            pair_cols.append(c + j0)
        r, c = torch.cat(pair_rows), torch.cat(pair_cols)
        exact = reference_sqdist(points.original, chunk[r], points.original, c, counters)
        counts = torch.bincount(r, minlength=chunk.numel())
        padded = torch.full((chunk.numel(), int(counts.max())), torch.inf, dtype=torch.float64, device=device)
        order = torch.argsort(r, stable=True)
        slot = torch.arange(r.numel(), device=device) - (torch.cumsum(counts, 0) - counts)[r[order]]
        padded[r[order], slot] = exact[order]
        out[s : s + BLOCK_ROWS] = padded.kthvalue(k, dim=1).values
    return out


# --- 2. radius tests between the sets ---------------------------------------------------------------


@dataclass
class CrossCounts:
    """Reductions of ``inside[i, j] = delta(real_i, fake_j) (<= or <) real_radius_i`` and, when fake
    radii are given, of ``inside_fake[i, j] = delta(real_i, fake_j) <= fake_radius_j``."""

    real_balls_per_fake: Tensor  # (m,) int64: number of real balls containing each fake point
    real_has_fake_inside: Tensor  # (n,) bool: some fake point inside real point i's ball
    real_in_some_fake_ball: Tensor | None  # (n,) bool: real point i inside some fake ball


@dataclass
class _Test:
    """One radius test, ``delta <= radius`` or ``delta < radius``, screened in the fast dtype."""

    radius: Tensor  # float64, one per row (real balls) or per column (fake balls)
    strict: bool
    sure_in: Tensor  # fast dtype: A at or below this (strictly, if ``strict``) is certainly inside
    maybe_in: Tensor  # fast dtype: A above this (at or above, if ``strict``) is certainly outside
    result: Tensor = field(default_factory=lambda: torch.empty(0, dtype=torch.bool))  # set by _settle

    @classmethod
    def build(cls, radius: Tensor, own_norm: Tensor, other_max_norm: float, points: Points, strict: bool) -> _Test:
        widest = _bound(own_norm, other_max_norm, points.coefficient)
        dtype = points.dtype
        return cls(
            radius,
            strict,
            _float32_toward(radius - widest, dtype, -torch.inf),
            _float32_toward(radius + widest, dtype, torch.inf),
        )

    def screen(self, approx: Tensor, part: slice, per_row: bool) -> tuple[Tensor, Tensor]:
        """(certainly inside, not certainly outside) for a block; ``part`` selects the block's rows
        (``per_row``) or columns of the thresholds."""
        sure, maybe = (
            (self.sure_in[part, None], self.maybe_in[part, None])
            if per_row
            else (
                self.sure_in[None, part],
                self.maybe_in[None, part],
            )
        )
        if self.strict:
            return approx < sure, approx < maybe
        return approx <= sure, approx <= maybe

    def per_pair(self, approx: Tensor, bound: Tensor, radius: Tensor) -> tuple[Tensor, Tensor]:
        """(inside, undecided) for single pairs, each with its own bound (float64)."""
        hi, lo = approx + bound, approx - bound
        if self.strict:
            return hi < radius, ~(hi < radius) & (lo < radius)
        return hi <= radius, ~(hi <= radius) & (lo <= radius)

    def decide(self, distance: Tensor, radius: Tensor) -> Tensor:
        return distance < radius if self.strict else distance <= radius


def _settle(
    real: Points,
    fake: Points,
    approx: Tensor,
    rows: Tensor,
    cols: Tensor,
    real_test: _Test,
    fake_test: _Test | None,
    counters: Counters,
) -> None:
    """Decide the pairs the block screen left open: first with each pair's own error bound, then,
    for those still open, with the reference distance. Leaves the answers in ``test.result``."""
    a = approx.to(torch.float64)
    bound = _bound(real.norm[rows], fake.norm[cols], real.coefficient)
    tests = [(real_test, real_test.radius[rows])]
    if fake_test is not None:
        tests.append((fake_test, fake_test.radius[cols]))
    undecided = torch.zeros_like(a, dtype=torch.bool)
    for test, radius in tests:
        test.result, open_ = test.per_pair(a, bound, radius)
        undecided |= open_
    need = undecided.nonzero().squeeze(1)
    if need.numel():
        exact = reference_sqdist(real.original, rows[need], fake.original, cols[need], counters)
        for test, radius in tests:
            test.result[need] = test.decide(exact, radius[need])


def cross_counts(
    real: Points,
    fake: Points,
    real_radii: Tensor,
    fake_radii: Tensor | None,
    *,
    strict: bool,
    counters: Counters,
) -> CrossCounts:
    """One blocked pass over all (real, fake) pairs; see :class:`CrossCounts`. The real-ball test uses
    ``<`` when ``strict`` (Naeem et al.), ``<=`` otherwise; the fake-ball test always uses ``<=``."""
    n, m = real.size, fake.size
    device = real.right.device
    real_test = _Test.build(real_radii, real.norm, fake.max_norm, real, strict)
    fake_test = None if fake_radii is None else _Test.build(fake_radii, fake.norm, real.max_norm, real, False)
    per_fake = torch.zeros(m, dtype=torch.int64, device=device)
    has_fake = torch.zeros(n, dtype=torch.bool, device=device)
    in_fake = None if fake_test is None else torch.zeros(n, dtype=torch.bool, device=device)
    for i0 in range(0, n, BLOCK_ROWS):
        rows = slice(i0, min(i0 + BLOCK_ROWS, n))
        left = real.left(rows)
        for j0 in range(0, m, BLOCK_COLS):
            cols = slice(j0, min(j0 + BLOCK_COLS, m))
            approx = _approx(left, fake, cols)
            inside, open_ = real_test.screen(approx, rows, per_row=True)
            open_ ^= inside  # the certainly-inside are a subset of the not-certainly-outside
            if fake_test is not None:
                inside_f, open_f = fake_test.screen(approx, cols, per_row=False)
                open_f ^= inside_f
                open_ |= open_f
            r, c = open_.nonzero(as_tuple=True)
            if r.numel():
                _settle(real, fake, approx[r, c], r + i0, c + j0, real_test, fake_test, counters)
                inside[r, c] = real_test.result
                if fake_test is not None:
                    inside_f[r, c] = fake_test.result
            per_fake[cols] += inside.sum(dim=0)
            has_fake[rows] |= inside.any(dim=1)
            if in_fake is not None:
                in_fake[rows] |= inside_f.any(dim=1)
    return CrossCounts(per_fake, has_fake, in_fake)
