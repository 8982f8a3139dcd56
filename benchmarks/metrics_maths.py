"""How fast, how lean and how close to the references are the metrics plugin's Fréchet distance and
precision/recall?

1. **Fréchet distance on 2048-d statistics.** ``gan_plugin_metrics.frechet_distance`` (pivoted Cholesky
   and a symmetric eigenvalue problem) against the formula of pytorch-fid and the original TF code
   (``scipy.linalg.sqrtm`` of ``sigma1 @ sigma2``): pytorch-fid's ``calculate_frechet_distance`` when it
   is installed, else :func:`scipy_sqrtm_formula`, a transcription of it. Both run on the same random
   statistics in interleaved rounds (ours, reference, ours, ...) in this process; reported: the time of
   each, the ratio within each round, and the relative difference of the values. Target: >= 10x
   faster, relative difference <= 1e-6.
2. **Precision/recall on 10,000 x 10,000 2048-d features** (k = 3): ours against the reference code:
   torch-fidelity's ``calculate_precision_recall_full`` (its default path) when installed; prdc's
   ``compute_prdc`` (which also yields density and coverage, so ours runs ``precision_recall`` and
   ``density_coverage`` for it) when installed; and always :func:`kynkaanniemi_precision_recall`, a
   transcription of Kynkäänniemi et al.'s ``ManifoldEstimator`` (float32 ``|a|^2 - 2ab + |b|^2`` in
   batches of 10,000 rows, radii by ``np.partition``, membership by ``<=``). Each measurement runs in a
   fresh interpreter so that its peak resident memory (``ru_maxrss``, after the features are made and
   the libraries warmed up) is its own; implementations alternate round by round.

The features for (2) are made with a fixed seed: by default ``structured`` ones, a 64-d Gaussian
latent through a random 2048-unit ReLU layer plus small positive noise (low intrinsic dimension and
non-negative, like Inception pool features), the fake set's latent scaled and shifted;
``--pr-data gaussian`` uses the absolute values of i.i.d. Gaussians instead (every distance close to
every other: the worst case for our exact tie handling, which then re-checks many more pairs).

Run from the repository root::

    python benchmarks/metrics_maths.py                                   # both parts, defaults
    python benchmarks/metrics_maths.py --json benchmarks/results/metrics_maths.json
    python benchmarks/metrics_maths.py --skip-pr --fd-rounds 5
    python benchmarks/metrics_maths.py --threads 1

Only public pieces are used: the libraries' public functions, ``time.perf_counter``,
``resource.getrusage`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import scipy.linalg
import torch
from _common import Spread, machine
from threadpoolctl import threadpool_limits

import gan_plugin_metrics
from gan_plugin_metrics import density_coverage, frechet_distance, precision_recall

FD_SPEEDUP_TARGET = 10.0
FD_AGREEMENT_TARGET = 1e-6

# --- the references ----------------------------------------------------------------------------------


def scipy_sqrtm_formula(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """The Fréchet distance as pytorch-fid and the TF code compute it: ``sqrtm(sigma1 @ sigma2)``,
    retried with ``1e-6 I`` added to both covariances if that is not finite, imaginary part dropped."""
    diff = mu1 - mu2
    root = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(root).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        root = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(root).real)


def kynkaanniemi_precision_recall(
    real: np.ndarray, fake: np.ndarray, k: int = 3, batch: int = 10_000
) -> tuple[float, float]:
    """Kynkäänniemi et al. 2019's algorithm as their code runs it: float32 squared distances by
    ``|a|^2 - 2ab + |b|^2`` (clamped at 0) in row batches against the whole other set, the k-th
    neighbour radius as entry k of the partitioned row (entry 0 being the point itself), and a
    sample counted when some ball of the other set holds it with ``<=``."""

    def squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
        return np.maximum(out, 0, out=out)

    def radii(x: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [np.partition(squared(x[s : s + batch], x), k, axis=1)[:, k] for s in range(0, len(x), batch)]
        )

    def inside(points: np.ndarray, manifold: np.ndarray, manifold_radii: np.ndarray) -> float:
        hits = [
            (squared(points[s : s + batch], manifold) <= manifold_radii[None, :]).any(axis=1)
            for s in range(0, len(points), batch)
        ]
        return float(np.concatenate(hits).mean())

    real, fake = real.astype(np.float32), fake.astype(np.float32)
    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


# --- 1. Fréchet distance -----------------------------------------------------------------------------


def random_statistics(d: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean and covariance (N - 1) of two sets of n correlated, non-centred d-dimensional features."""
    rng = np.random.default_rng(seed)
    out = []
    for scale, shift in ((1.0, 0.0), (1.1, 0.05)):
        mixing = rng.standard_normal((d, d)) / np.sqrt(d)
        x = (rng.standard_normal((n, d)) @ mixing) * scale + shift + rng.standard_normal(d)
        out += [x.mean(axis=0), np.cov(x, rowvar=False)]
    return out[0], out[1], out[2], out[3]


def fd_reference() -> tuple[str, Callable[..., float]]:
    try:
        from pytorch_fid.fid_score import calculate_frechet_distance
    except ImportError:
        return "scipy sqrtm formula (transcribed)", scipy_sqrtm_formula
    return "pytorch-fid calculate_frechet_distance", calculate_frechet_distance


def time_frechet(d: int, n: int, rounds: int, seed: int, log: Callable[[str], None]) -> dict[str, Any]:
    stats = random_statistics(d, n, seed)
    name, reference = fd_reference()
    frechet_distance(*(s[:8] if s.ndim == 1 else s[:8, :8] for s in stats))  # import and warm up
    rows = []
    for r in range(rounds):
        started = time.perf_counter()
        ours = frechet_distance(*stats)
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            ref = float(reference(*stats))
        ref_s = time.perf_counter() - started
        rows.append({"ours_s": ours_s, "reference_s": ref_s, "ours": ours, "reference": ref})
        log(f"fd round {r + 1}/{rounds}: ours {ours_s:.2f} s, reference {ref_s:.2f} s, ratio {ref_s / ours_s:.1f}")
    ratios = [row["reference_s"] / row["ours_s"] for row in rows]
    rel = max(abs(row["ours"] - row["reference"]) / abs(row["reference"]) for row in rows)
    return {
        "reference": name,
        "dim": d,
        "samples": n,
        "rounds": rows,
        "ours_s": Spread.of([row["ours_s"] for row in rows]).as_dict(),
        "reference_s": Spread.of([row["reference_s"] for row in rows]).as_dict(),
        "speedup": Spread.of(ratios).as_dict(),
        "max_relative_difference": rel,
        "value": rows[0]["ours"],
    }


# --- 2. precision/recall -------------------------------------------------------------------------------


def make_features(kind: str, n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The benchmark's real and fake features (float32), identical in every worker process."""
    g = torch.Generator().manual_seed(seed)
    if kind == "gaussian":
        real = torch.randn(n, d, generator=g).abs_()
        fake = torch.randn(n, d, generator=g).mul_(1.1).abs_().add_(0.02)
        return real, fake
    weights = torch.randn(64, d, generator=g) / 8
    real = torch.relu(torch.randn(n, 64, generator=g) @ weights)
    real += 0.05 * torch.randn(n, d, generator=g).abs_()
    fake = torch.relu((torch.randn(n, 64, generator=g) * 1.1 + 0.1) @ weights)
    fake += 0.05 * torch.randn(n, d, generator=g).abs_()
    return real, fake


def _ours_pr(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict[str, float]:
    return precision_recall(real, fake, k=k)._asdict()


def _ours_prdc(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict[str, float]:
    return {**precision_recall(real, fake, k=k)._asdict(), **density_coverage(real, fake, k=k)._asdict()}


def _torch_fidelity(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict[str, float]:
    from torch_fidelity.metric_prc import calculate_precision_recall_full

    precision, recall = calculate_precision_recall_full(fake, real, k)  # its order: generated, real
    return {"precision": precision, "recall": recall}


def _prdc(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict[str, float]:
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):
        return {key: float(v) for key, v in compute_prdc(real.numpy(), fake.numpy(), nearest_k=k).items()}


def _kynkaanniemi(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict[str, float]:
    precision, recall = kynkaanniemi_precision_recall(real.numpy(), fake.numpy(), k)
    return {"precision": precision, "recall": recall}


IMPLEMENTATIONS: dict[str, tuple[str, str | None, Callable[[torch.Tensor, torch.Tensor, int], dict[str, float]]]] = {
    # name: (what it is, module that must be importable, function)
    "ours": ("gan_plugin_metrics.precision_recall", None, _ours_pr),
    "kynkaanniemi": ("transcription of Kynkäänniemi et al.'s ManifoldEstimator (numpy float32)", None, _kynkaanniemi),
    "torch-fidelity": ("torch_fidelity calculate_precision_recall_full", "torch_fidelity", _torch_fidelity),
    "ours-prdc": ("gan_plugin_metrics precision_recall + density_coverage", "prdc", _ours_prdc),
    "prdc": ("prdc.compute_prdc (precision, recall, density, coverage)", "prdc", _prdc),
}


def worker(name: str, kind: str, n: int, d: int, k: int, seed: int, threads: int | None) -> dict[str, Any]:
    """One measurement in this (fresh) process: make the features, warm up on a small slice, then
    time the call and read the peak resident memory it added."""
    if threads:
        torch.set_num_threads(threads)
        threadpool_limits(limits=threads)
    real, fake = make_features(kind, n, d, seed)
    function = IMPLEMENTATIONS[name][2]
    function(real[: 8 * k], fake[: 8 * k], k)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    values = function(real, fake, k)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_increase_mib": (after - before) / 1024, "values": values}


def available(names: Sequence[str]) -> list[str]:
    import importlib.util

    return [n for n in names if IMPLEMENTATIONS[n][1] is None or importlib.util.find_spec(IMPLEMENTATIONS[n][1])]


def time_precision_recall(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    names = available(args.pr_implementations)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for r in range(args.pr_rounds):
        for name in names:
            command = [sys.executable, __file__, "--worker", name, "--pr-data", args.pr_data]
            command += ["--pr-n", str(args.pr_n), "--pr-dim", str(args.pr_dim), "--k", str(args.k)]
            command += ["--seed", str(args.seed)] + (["--threads", str(args.threads)] if args.threads else [])
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
                log(f"pr round {r + 1}: {name} failed: {tail[0]}")
                runs[name].append({"error": tail[0]})
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            runs[name].append(result)
            log(
                f"pr round {r + 1}/{args.pr_rounds} {name}: {result['seconds']:.1f} s, "
                f"+{result['peak_increase_mib']:.0f} MiB, {result['values']}"
            )
    summary = {}
    for name, results in runs.items():
        ok = [x for x in results if "error" not in x]
        if ok:
            summary[name] = {
                "what": IMPLEMENTATIONS[name][0],
                "seconds": Spread.of([x["seconds"] for x in ok]).as_dict(),
                "peak_increase_mib": max(x["peak_increase_mib"] for x in ok),
                "values": ok[0]["values"],
            }
        else:
            summary[name] = {"what": IMPLEMENTATIONS[name][0], "error": results[0]["error"]}
    return {"data": args.pr_data, "n": args.pr_n, "dim": args.pr_dim, "k": args.k, "runs": runs, "summary": summary}


# --- reporting -----------------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return machine(numpy=np.__version__, scipy=scipy.__version__, gan_plugin_metrics=gan_plugin_metrics.__version__)


def _spread(s: Mapping[str, float], unit: str = "", digits: int = 2) -> str:
    return f"{s['median']:.{digits}f}{unit} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def markdown(report: Mapping[str, Any]) -> str:
    lines = []
    env = report["environment"]
    lines.append(
        f"{env['cpu_model']} ({env['cpu_count']} cores), torch {env['torch']} ({env['torch_threads']} threads), "
        f"numpy {env['numpy']}, scipy {env['scipy']}; load average {env.get('load_average_start')} -> "
        f"{env.get('load_average_end')}"
    )
    if "frechet" in report:
        fd = report["frechet"]
        lines += [
            "",
            f"Fréchet distance, d = {fd['dim']} (statistics of {fd['samples']} samples), {len(fd['rounds'])} rounds:",
            "",
            "| implementation | seconds, median (min-max) |",
            "| --- | ---: |",
            f"| ours: `frechet_distance` | {_spread(fd['ours_s'])} |",
            f"| {fd['reference']} | {_spread(fd['reference_s'])} |",
            "",
            f"Speed-up (per round): **{_spread(fd['speedup'], 'x', 1)}** (target >= {FD_SPEEDUP_TARGET:.0f}x); "
            f"largest relative difference of the values: **{fd['max_relative_difference']:.1e}** "
            f"(target <= {FD_AGREEMENT_TARGET:.0e}).",
        ]
    if "precision_recall" in report:
        pr = report["precision_recall"]
        lines += [
            "",
            f"Precision/recall, {pr['n']:,} x {pr['n']:,} {pr['dim']}-d `{pr['data']}` features, k = {pr['k']}:",
            "",
            "| implementation | seconds, median (min-max) | peak memory added | results |",
            "| --- | ---: | ---: | --- |",
        ]
        for name, s in pr["summary"].items():
            if "error" in s:
                lines.append(f"| {name}: {s['what']} | failed: {s['error']} | | |")
                continue
            values = ", ".join(f"{key} {value:.4f}" for key, value in s["values"].items())
            seconds, memory = _spread(s["seconds"], " s", 1), f"{s['peak_increase_mib']:.0f} MiB"
            lines.append(f"| {name}: {s['what']} | {seconds} | {memory} | {values} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--fd-dim", type=int, default=2048)
    parser.add_argument("--fd-samples", type=int, default=4096, help="samples behind each covariance")
    parser.add_argument("--fd-rounds", type=int, default=3)
    parser.add_argument("--pr-n", type=int, default=10_000, help="samples in each set")
    parser.add_argument("--pr-dim", type=int, default=2048)
    parser.add_argument("--pr-data", choices=("structured", "gaussian"), default="structured")
    parser.add_argument("--pr-rounds", type=int, default=2)
    parser.add_argument(
        "--pr-implementations", nargs="+", choices=tuple(IMPLEMENTATIONS), default=list(IMPLEMENTATIONS)
    )
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch and BLAS threads for everything (default: the libraries')"
    )
    parser.add_argument("--skip-fd", action="store_true")
    parser.add_argument("--skip-pr", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--worker", choices=tuple(IMPLEMENTATIONS), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.pr_data, args.pr_n, args.pr_dim, args.k, args.seed, args.threads)))
        return 0
    if args.threads:  # torch's threads and every BLAS/OpenMP pool (scipy's OpenBLAS for sqrtm)
        torch.set_num_threads(args.threads)
        threadpool_limits(limits=args.threads)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report: dict[str, Any] = {
        "environment": environment(),
        "settings": {k: v for k, v in vars(args).items() if k != "json" and k != "worker"},
    }
    report["settings"]["json"] = str(args.json) if args.json else None
    if not args.skip_fd:
        report["frechet"] = time_frechet(args.fd_dim, args.fd_samples, args.fd_rounds, args.seed, log)
    if not args.skip_pr:
        report["precision_recall"] = time_precision_recall(args, log)
    if hasattr(os, "getloadavg"):
        report["environment"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print(markdown(report))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
