"""Pretraining ``f`` (on labelled source digits) and the evaluation classifier (on target digits).

Both are :class:`~gan_plugin_dtn.networks.DigitClassifier` (the paper's 4-conv ``f`` plus a linear
layer), trained with cross-entropy and Adam on one part of a domain and tested on the other part
(:mod:`gan_plugin_dtn.data` fixes the parts). The result is a ``.safetensors`` file whose metadata
says what it is, where it came from and how accurate it was on held-out digits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import torch
from safetensors import safe_open
from safetensors.torch import load_model, save_model
from torch import Tensor
from torch.nn import functional as F

from gan_core import ConfigError, DatasetCatalog, atomic_write, batched_forward, positive
from gan_plugin_dtn.augment import distort
from gan_plugin_dtn.data import SPLIT_SEED, Labelled, source_split, target_split
from gan_plugin_dtn.networks import DigitClassifier

WEIGHTS_DIR = Path("~/.cache/gan/dtn")
ROLES = ("source", "target")
_FILE_PREFIX = {"source": "f", "target": "classifier"}


def default_weights_path(role: str, dataset: str) -> Path:
    """Where ``gan dtn-pretrain ROLE --dataset DATASET`` writes by default, and DTN looks by default."""
    if role not in ROLES:
        raise ConfigError("role", f"must be 'source' or 'target', got {role!r}")
    bare = dataset.rpartition(":")[2]  # "core:mnist-5k" and "mnist-5k" share a file, and no ':' in a file name
    return (WEIGHTS_DIR / f"{_FILE_PREFIX[role]}-{bare}.safetensors").expanduser()


@attrs.frozen(kw_only=True)
class PretrainSettings:
    """Adam with cross-entropy; 600 steps of 128 give the held-out accuracies in docs/results.md."""

    steps: int = attrs.field(default=600, validator=positive)
    batch_size: int = attrs.field(default=128, validator=positive)
    lr: float = attrs.field(default=1e-3, validator=positive)
    seed: int = 0
    widths: tuple[int, ...] = (64, 128, 256)  # f's first three convolutions (the fourth gives 128)
    #: train on distorted copies (gan_plugin_dtn.augment): an f that also reads target-style digits
    augment: bool = False


@attrs.frozen
class PretrainResult:
    model: DigitClassifier
    heldout_accuracy: float
    train_images: int
    heldout_images: int
    seconds: float
    #: for f: its reading of the target digits DTN trains on (the source-only baseline), when measured
    target_accuracy: float | None = None


def accuracy(model: torch.nn.Module, images: Tensor, labels: Tensor, batch_size: int = 500) -> float:
    """Top-1 accuracy of ``model`` in eval mode on images in [-1, 1]; restores the model's mode."""
    if not len(images):
        return 0.0
    logits = batched_forward(model, images, batch_size=batch_size)
    return int((logits.argmax(dim=1) == labels.cpu()).sum()) / len(images)


def train_classifier(
    train: Labelled,
    test: Labelled,
    settings: PretrainSettings | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> PretrainResult:
    """Train a fresh :class:`DigitClassifier` on ``train`` and report its accuracy on ``test``.

    Deterministic under ``settings.seed`` on the CPU; the global RNG is left as it was.
    """
    settings = settings or PretrainSettings()
    if settings.batch_size > len(train):
        raise ConfigError("--batch-size", f"must be <= the {len(train)} training images, got {settings.batch_size}")
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = DigitClassifier(in_channels=int(train.images.shape[1]), widths=settings.widths)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    batches = torch.Generator().manual_seed(settings.seed)
    distortions = torch.Generator().manual_seed(settings.seed + 1)  # the batch order does not depend on it
    model.train()
    for step in range(settings.steps):
        index = torch.randint(len(train), (settings.batch_size,), generator=batches)
        batch = train.take(index)
        images = distort(batch.scaled(), distortions) if settings.augment else batch.scaled()
        loss = F.cross_entropy(model(images), batch.labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if progress is not None:
            progress(step + 1, float(loss.detach()))
    heldout = accuracy(model, test.scaled(), test.labels)
    return PretrainResult(model.eval(), heldout, len(train), len(test), time.perf_counter() - started)


def save_classifier(result: PretrainResult, path: Path, **metadata: str) -> Path:
    """Write the weights and what they are (``role``, ``dataset``, held-out accuracy, ...) to ``path``."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "in_channels": str(result.model.in_channels),
        "widths": ",".join(str(width) for width in result.model.widths),
        "heldout_accuracy": f"{result.heldout_accuracy:.6f}",
        "train_images": str(result.train_images),
        "heldout_images": str(result.heldout_images),
        "split_seed": str(SPLIT_SEED),
        **metadata,
    }
    return atomic_write(path, lambda partial: save_model(result.model, str(partial), metadata=info))


def read_metadata(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as handle:
        return dict(handle.metadata() or {})


def load_classifier(path: Path, role: str | None = None, field: str = "model.f_weights") -> DigitClassifier:
    """A classifier written by :func:`save_classifier`, in eval mode; ``role`` checks what it is for."""
    path = Path(path).expanduser()
    if not path.is_file():
        hint = f"; write it with 'gan dtn-pretrain {role}'" if role else ""
        raise ConfigError(field, f"no pretrained classifier at {path}{hint}")
    metadata = read_metadata(path)
    if role is not None and metadata.get("role", role) != role:
        raise ConfigError(field, f"{path} holds a {metadata['role']!r} classifier, not a {role!r} one")
    widths = tuple(int(width) for width in metadata.get("widths", "64,128,256").split(","))
    model = DigitClassifier(in_channels=int(metadata.get("in_channels", "3")), widths=widths)
    load_model(model, str(path))
    return model.eval()


def pretrain(
    role: str,
    dataset: str,
    datasets: DatasetCatalog,
    root: Path | str,
    settings: PretrainSettings | None = None,
    out: Path | None = None,
    progress: Callable[[int, float], None] | None = None,
    reads: str | None = None,
) -> tuple[PretrainResult, Path]:
    """Train ``f`` (``role="source"``) or the evaluation classifier (``role="target"``) on its part
    of ``dataset``, test it on the other part, and save it (default: :func:`default_weights_path`).

    ``reads`` (f only) names a target domain: f's accuracy on the target digits that DTN trains on is
    then measured and saved too. It is the source-only baseline, what f makes of the target with no
    transfer at all, and says how far apart the two domains are."""
    settings = settings or PretrainSettings()
    if role == "source":
        source = source_split(dataset, datasets, root)
        train, test = source.train, source.heldout
    elif role == "target":
        target = target_split(dataset, datasets, root)
        train, test = target.classifier, target.dtn
    else:
        raise ConfigError("role", f"must be 'source' or 'target', got {role!r}")
    if reads is not None and role != "source":
        raise ConfigError("reads", "only f (role 'source') reads a target domain")
    target_digits = target_split(reads, datasets, root).dtn if reads is not None else None
    result = train_classifier(train, test, settings, progress)
    extra: dict[str, str] = {}
    if target_digits is not None:
        reading = accuracy(result.model, target_digits.scaled(), target_digits.labels)
        result = attrs.evolve(result, target_accuracy=reading)
        extra = {"target": str(reads), "target_accuracy": f"{reading:.6f}"}
    path = out if out is not None else default_weights_path(role, dataset)
    save_classifier(
        result,
        path,
        role=role,
        dataset=dataset,
        settings=json.dumps(attrs.asdict(settings)),
        **extra,
    )
    return result, path
