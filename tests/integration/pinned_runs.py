"""Short seeded CPU runs of every variant and loss, reduced to hashes of what they produce.

``python pinned_runs.py OUT.json`` trains each case in :data:`CASES` for a few steps with tiny networks,
then hashes (SHA-256) the final generator's and discriminator's weights, samples drawn from the run
directory's generator, and the sample grid the trainer wrote at the last step. The hashes were first
recorded on gan-core 0.1, before the 0.2 rework (``pinned_samples.json``);
``test_pinned_samples.py`` runs this script in a subprocess and demands the same hashes, so a
refactoring that changes any seeded CPU run, by a single bit, fails.

CPU kernels round differently on different instruction sets, so the subprocess pins them: ATen's
kernels, oneDNN and MKL all run their AVX2 code (``ATEN_CPU_CAPABILITY``, ``ONEDNN_MAX_CPU_ISA``,
``MKL_CBWR``) on one thread, which every x86-64 server of the last decade has.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

#: the environment the hashes were recorded under (set before torch is imported)
PINNED_ENV = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "",
}

_TRAIN = {"steps": 3, "batch_size": 16, "progress": False, "log_every": 1, "sample_every": 0, "grid_size": 16}

#: name -> (variant, [train] settings, [model] settings)
CASES: Mapping[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "vanilla-ring8-non-saturating": ("vanilla", {"dataset": "ring8"}, {"g_hidden": [16], "d_hidden": [16]}),
    "vanilla-ring8-minimax-sgd": (
        "vanilla",
        {"dataset": "ring8", "d_steps": 2, "lr_decay": "linear"},
        {"g_hidden": [16], "d_hidden": [16], "loss": "minimax", "optimizer": "sgd", "real_label": 0.9},
    ),
    "vanilla-mnist5k-bf16": (
        "vanilla",
        {"dataset": "mnist-5k", "mixed_precision": "bf16"},
        {"g_hidden": [32], "d_hidden": [32], "latent_dim": 8},
    ),
    "dcgan-mnist5k-non-saturating": ("dcgan", {"dataset": "mnist-5k"}, {"g_width": 8, "d_width": 8}),
    "dcgan-mnist5k-minimax-normal": (
        "dcgan",
        {"dataset": "mnist-5k", "d_steps": 2},
        {"g_width": 8, "d_width": 8, "loss": "minimax", "latent_distribution": "normal", "norm": "layer"},
    ),
    "cgan-mnist5k-conv-projection": (
        "cgan",
        {"dataset": "mnist-5k"},
        {"backbone": "conv", "conditioning": "projection", "width": 8},
    ),
    "cgan-mnist5k-conv-one-hot": (
        "cgan",
        {"dataset": "mnist-5k"},
        {"backbone": "conv", "conditioning": "one-hot", "width": 8},
    ),
    "cgan-ring8-mlp-embedding": (
        "cgan",
        {"dataset": "ring8"},
        {"backbone": "mlp", "conditioning": "embedding", "g_hidden": [16], "d_hidden": [16]},
    ),
    "wgan-grid25-gp-mlp": ("wgan", {"dataset": "grid25", "batch_size": 16}, {"hidden": [16, 16]}),
    "wgan-grid25-clip-mlp": ("wgan", {"dataset": "grid25", "batch_size": 16}, {"hidden": [16], "constraint": "clip"}),
    "wgan-mnist5k-gp-conv": ("wgan", {"dataset": "mnist-5k", "d_steps": 2}, {"width": 8}),
    "wgan-mnist5k-clip-conv": (
        "wgan",
        {"dataset": "mnist-5k", "d_steps": 2},
        {"width": 8, "constraint": "clip", "latent_dim": 16},
    ),
    "lsgan-example-ring8": ("lsgan-example", {"dataset": "ring8"}, {"g_hidden": [16], "d_hidden": [16]}),
    # ema = 0: the cases pin DTN's own training and sampling as recorded on 0.1; DTN's default average
    # (train.ema = 0.99 since 2026-12-04, a measured change) is the core's, pinned by its own tests
    "dtn-rendered-to-mnist5k": (
        "dtn",
        {"eval_every": 3, "d_steps": 2, "ema": 0.0},
        {"g_widths": [16, 8, 4], "d_widths": [4, 8, 16]},
    ),
    "dtn-no-adversarial": (
        "dtn",
        {"ema": 0.0},
        {"g_widths": [16, 8, 4], "d_widths": [4, 8, 16], "adversarial": False},
    ),
}


def _digest(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part)
    return sha.hexdigest()


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    return tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def _state_hash(state: Mapping[str, torch.Tensor]) -> str:
    return _digest(*(name.encode() + _tensor_bytes(state[name]) for name in sorted(state)))


def _dtn_weights(root: Path) -> dict[str, str]:
    """Tiny pretrained f and evaluation classifier, made by the plugin's own pretraining code."""
    from gan_core.data.rendered import render_digits
    from gan_plugin_dtn.data import Labelled
    from gan_plugin_dtn.pretrain import PretrainSettings, save_classifier, train_classifier

    settings = PretrainSettings(steps=3, batch_size=16, widths=(8, 16, 32))
    torch.manual_seed(0)
    source = Labelled(*render_digits(200, 11))
    generator = torch.Generator().manual_seed(12)
    target = Labelled(
        (torch.rand(200, 1, 32, 32, generator=generator) > 0.8).to(torch.uint8) * 255, torch.arange(200) % 10
    )
    f = save_classifier(train_classifier(source, source, settings), root / "f.safetensors", role="source", dataset="t")
    c = save_classifier(train_classifier(target, target, settings), root / "c.safetensors", role="target", dataset="t")
    return {"f_weights": str(f), "classifier_weights": str(c)}


def _inputs(run: Any, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """What the loaded generator maps: noise from seed 1, or random source images for a translator."""
    from gan_core import Noise

    if not isinstance(run.inputs, Noise):
        generator = torch.Generator().manual_seed(1)
        return torch.rand(n, 3, 32, 32, generator=generator) * 2 - 1, None
    drawn = run.inputs.fixed(n, 1)
    return drawn.x, drawn.y


def run_case(name: str, root: Path, registry: Any, dtn_weights: Mapping[str, str]) -> dict[str, str]:
    from gan_core import GanTrainer, generate, load_discriminator, resolve_config

    variant_name, train, model = CASES[name]
    variant = registry.variant(variant_name)
    model = {**model, **(dtn_weights if variant_name == "dtn" else {})}
    file_data = {"variant": variant.name, "train": {**_TRAIN, **train}, "model": model}
    config = resolve_config(variant, file_data=file_data)
    out = root / name
    GanTrainer(variant, config, out, registry=registry).fit()
    run = load_discriminator(out, registry)
    x, y = _inputs(run, 16)
    samples = generate(run.generator, x, y)
    grid = sorted((out / "samples").glob("*.png"))[-1]
    return {
        "generator": _state_hash(run.generator.state_dict()),
        "discriminator": _state_hash(run.discriminator.state_dict()),
        "samples": _digest(_tensor_bytes(samples)),
        "grid": _digest(grid.read_bytes()),
    }


def main(out_path: str, names: list[str]) -> None:
    from gan_core import create_registry

    torch.set_num_threads(1)
    registry = create_registry()
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        weights = _dtn_weights(root) if any(CASES[n][0] == "dtn" for n in names) else {}
        for name in names:
            results[name] = run_case(name, root, registry, weights)
    record = {
        "torch": torch.__version__.split("+")[0],
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cases": results,
    }
    Path(out_path).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or list(CASES))
