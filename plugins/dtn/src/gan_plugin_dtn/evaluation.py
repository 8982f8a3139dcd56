"""Transfer accuracy (the paper's Table 1 measure) and grids that pair source images with transfers.

Transfer accuracy is the evaluation classifier, trained on target digits only, applied to
``G(x) = g(f(x))`` for held-out source digits ``x`` and scored against the source labels: the share of
transfers that a reader of the target domain reads as the digit that went in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import attrs
from safetensors.torch import load_model
from torch import Tensor, nn

from gan_core import (
    DatasetCatalog,
    EvalContext,
    Registry,
    RunDir,
    TrainedRun,
    batched_forward,
    checkpoint_step,
    create_registry,
    load_generator,
)
from gan_plugin_dtn.config import DTNConfig
from gan_plugin_dtn.data import source_split
from gan_plugin_dtn.networks import DigitClassifier, TransferGenerator, match_channels
from gan_plugin_dtn.pretrain import default_weights_path, load_classifier


def f_weights_path(config: DTNConfig) -> Path:
    return Path(config.f_weights).expanduser() if config.f_weights else default_weights_path("source", config.source)


def classifier_weights_path(config: DTNConfig) -> Path:
    if config.classifier_weights:
        return Path(config.classifier_weights).expanduser()
    return default_weights_path("target", config.target)


@lru_cache(maxsize=4)
def _cached_classifier(path: str, modified: float) -> DigitClassifier:
    return load_classifier(Path(path), "target", field="model.classifier_weights")


def evaluation_classifier(config: DTNConfig) -> DigitClassifier:
    """The target-domain classifier named by ``config``, loaded once per file version."""
    path = classifier_weights_path(config)
    modified = path.stat().st_mtime if path.exists() else 0.0
    return _cached_classifier(str(path), modified)


def transfer(generator: nn.Module, images: Tensor, batch_size: int = 500) -> Tensor:
    """``G(x)`` for images in [-1, 1], in eval mode and in chunks, on the CPU; restores G's mode."""
    return batched_forward(generator, images, batch_size=batch_size)


def classify(classifier: DigitClassifier, images: Tensor, batch_size: int = 500) -> Tensor:
    """The classifier's digit for each image (channels matched to the classifier's input)."""
    classifier.eval()
    return batched_forward(classifier, match_channels(images, classifier.in_channels), batch_size=batch_size).argmax(1)


def transfer_accuracy(generator: nn.Module, classifier: DigitClassifier, images: Tensor, labels: Tensor) -> float:
    """Share of ``G(x)`` that ``classifier`` reads as ``labels`` (images in [-1, 1])."""
    predicted = classify(classifier, transfer(generator, images))
    return float((predicted == labels.cpu()).float().mean())


def heldout_source(config: DTNConfig, datasets: DatasetCatalog, data_root: str | Path) -> tuple[Tensor, Tensor]:
    """The first ``config.eval_images`` held-out source images (in [-1, 1]) and their labels."""
    heldout = source_split(config.source, datasets, data_root).heldout
    n = min(config.eval_images, len(heldout))
    return heldout.scaled()[:n], heldout.labels[:n]


def evaluate_transfer(ctx: EvalContext) -> dict[str, float]:
    """``Variant.evaluate`` for DTN: transfer accuracy on held-out source digits, logged as
    ``eval/transfer_accuracy`` (each process computes it; the numbers agree)."""
    config: DTNConfig = ctx.config.model
    if ctx.registry is None:
        raise TypeError("DTN's transfer accuracy loads the held-out source digits: train with registry=")
    images, labels = heldout_source(config, ctx.registry, ctx.config.train.data_root)
    classifier = evaluation_classifier(config).to(ctx.accelerator.device)
    generator = ctx.generator
    results = {"transfer_accuracy": transfer_accuracy(generator, classifier, images, labels)}
    if isinstance(generator, TransferGenerator) and generator.g_average is not None:
        with generator.live_weights():  # what g itself reaches, beside its average
            results["transfer_accuracy_live"] = transfer_accuracy(generator, classifier, images, labels)
    return results


def _run_setup(
    run_dir: Path, registry: Registry | None, images: int | None, classifier_weights: str | Path | None
) -> tuple[TrainedRun, DigitClassifier, Tensor, Tensor]:
    registry = registry or create_registry()
    run = load_generator(Path(run_dir), registry)
    config: DTNConfig = run.config.model
    if images is not None:
        config = attrs.evolve(config, eval_images=images)
    if classifier_weights is not None:
        config = attrs.evolve(config, classifier_weights=str(classifier_weights))
    x, y = heldout_source(config, registry, run.config.train.data_root)
    return run, evaluation_classifier(config), x, y


def evaluate_run(
    run_dir: Path | str,
    registry: Registry | None = None,
    images: int | None = None,
    classifier_weights: str | Path | None = None,
) -> dict[str, float]:
    """Transfer accuracy of a finished run directory's latest checkpoint, for ``gan eval`` and scripts.

    ``classifier_weights`` reads the transfers with another evaluation classifier than the run's
    (transfer accuracy depends on the reader: docs/results.md).
    """
    run, classifier, x, y = _run_setup(Path(run_dir), registry, images, classifier_weights)
    accuracy = transfer_accuracy(run.generator, classifier, x, y)
    return {"transfer_accuracy": accuracy, "images": float(len(x))}


def evaluate_checkpoints(
    run_dir: Path | str,
    registry: Registry | None = None,
    images: int | None = None,
    classifier_weights: str | Path | None = None,
    average: bool = True,
) -> dict[int, float]:
    """Transfer accuracy of every checkpoint the run kept, by step: how a run moved, not only where
    it ended (``--set checkpoint_every=N --set keep_checkpoints=M`` keeps more of them). Each
    checkpoint answers through its average of g when it has one (``average = False``: g itself)."""
    run, classifier, x, y = _run_setup(Path(run_dir), registry, images, classifier_weights)
    results: dict[int, float] = {}
    for checkpoint in RunDir(Path(run_dir)).checkpoints():
        load_model(run.generator, str(RunDir.generator_file(checkpoint, average)))
        results[checkpoint_step(checkpoint)] = transfer_accuracy(run.generator, classifier, x, y)
    return results


__all__ = [
    "classifier_weights_path",
    "classify",
    "evaluate_checkpoints",
    "evaluate_run",
    "evaluate_transfer",
    "evaluation_classifier",
    "f_weights_path",
    "transfer",
    "transfer_accuracy",
]
