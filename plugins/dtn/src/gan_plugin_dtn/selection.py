"""Choosing a DTN checkpoint without target labels: reverse validation.

Transfer accuracy needs target labels (the evaluation classifier is trained on them), which a user
adapting to an unlabelled domain does not have. Reverse validation (Zhong et al. 2010; Ganin et al.
2016, section 5.1.2, for domain-adversarial networks) scores a model with source labels only, by
going to the target domain and back:

1. **forward**: the checkpoint's ``G`` turns labelled source digits into labelled target-style images;
   a fresh classifier trained on them labels the real target digits that DTN trained on;
2. **reverse**: another fresh classifier, trained on those real target digits and their pseudo-labels,
   reads the transfers of *held-out* source digits, and its accuracy against their source labels is
   the score.

A high score needs both halves: transfers that look like target digits of their own class (or the
forward classifier mislabels the real digits) and a labelling of the real digits that carries back to
the transfers. Nothing here reads a target label. What it cannot see: a ``G`` that writes every digit
consistently as another one (every 3 as an 8 and every 8 as a 3) scores as well as a correct one,
since the two classifiers undo each other's relabelling; DTN's f-constancy term is what keeps g from
that. Both classifiers are the paper's 4-conv network,
narrower and trained briefly (:class:`ReverseSettings`), so that scoring a checkpoint costs seconds.
How well it picks is measured in docs/results.md.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import attrs
import torch
from safetensors.torch import load_model
from torch import Tensor, nn

from gan_core import Registry, RunDir, checkpoint_step, create_registry, load_generator, positive
from gan_plugin_dtn.config import DTNConfig
from gan_plugin_dtn.data import Labelled, source_split, target_split
from gan_plugin_dtn.evaluation import classify, transfer
from gan_plugin_dtn.pretrain import PretrainSettings, accuracy, train_classifier


@attrs.frozen(kw_only=True)
class ReverseSettings:
    """How much each scoring costs: transferred source images for the forward classifier, held-out
    source images for the score, and the two classifiers' training."""

    train_images: int = attrs.field(default=5000, validator=positive)
    heldout_images: int = attrs.field(default=2000, validator=positive)
    steps: int = attrs.field(default=300, validator=positive)
    batch_size: int = attrs.field(default=128, validator=positive)
    widths: tuple[int, ...] = (32, 64, 128)
    seed: int = 0

    def classifier_settings(self) -> PretrainSettings:
        return PretrainSettings(steps=self.steps, batch_size=self.batch_size, widths=self.widths, seed=self.seed)


@attrs.frozen
class ReverseData:
    """What reverse validation reads: labelled source digits to transfer, held-out labelled source
    digits to score on, and the target digits DTN trained on, without their labels."""

    source: Labelled
    heldout: Labelled
    target: Tensor  # images only: uint8 or in [-1, 1]

    @classmethod
    def for_config(cls, config: DTNConfig, registry: Registry, data_root: str | Path) -> ReverseData:
        """The run's own split: its source training part, its held-out source part, its target half."""
        sources = source_split(config.source, registry, data_root)
        return cls(sources.train, sources.heldout, target_split(config.target, registry, data_root).dtn.images)


def _first(data: Labelled, n: int) -> Labelled:
    return data.take(torch.arange(min(n, len(data))))


def reverse_validation_score(generator: nn.Module, data: ReverseData, settings: ReverseSettings | None = None) -> float:
    """The share of held-out source digits whose transfers the reverse classifier reads as their own
    label (see the module docstring); deterministic under ``settings.seed`` on the CPU."""
    settings = settings or ReverseSettings()
    source = _first(data.source, settings.train_images)
    heldout = _first(data.heldout, settings.heldout_images)
    classifier_settings = settings.classifier_settings()
    labelled_transfers = Labelled(transfer(generator, source.scaled()), source.labels)
    forward = train_classifier(labelled_transfers, labelled_transfers.take(torch.arange(0)), classifier_settings)
    real = Labelled(data.target, torch.zeros(len(data.target), dtype=torch.long))
    pseudo = Labelled(real.scaled(), classify(forward.model, real.scaled()))
    reverse = train_classifier(pseudo, pseudo.take(torch.arange(0)), classifier_settings)
    return accuracy(reverse.model, transfer(generator, heldout.scaled()), heldout.labels)


@attrs.frozen
class CheckpointChoice:
    """Reverse-validation scores of a run's checkpoints, by step, and the step they choose."""

    scores: dict[int, float]

    def __attrs_post_init__(self) -> None:
        if not self.scores:
            raise ValueError("no checkpoint to choose from")

    @property
    def step(self) -> int:
        """The best-scoring checkpoint's step (the later one on a tie: it trained longer)."""
        return max(self.scores, key=lambda step: (self.scores[step], step))


def select_checkpoint(
    run_dir: Path | str,
    registry: Registry | None = None,
    settings: ReverseSettings | None = None,
    steps: Collection[int] | None = None,
    average: bool = True,
) -> CheckpointChoice:
    """Score the checkpoints a DTN run kept (those at ``steps``, or all) by reverse validation and
    choose one, with source labels only (``--set checkpoint_every=N --set keep_checkpoints=M`` keeps
    more to choose from). Each checkpoint is scored as it answers: through its average of g when it
    has one (``average = False``: g itself)."""
    registry = registry or create_registry()
    run = load_generator(Path(run_dir), registry)
    data = ReverseData.for_config(run.config.model, registry, run.config.train.data_root)
    scores: dict[int, float] = {}
    for checkpoint in RunDir(Path(run_dir)).checkpoints():
        if steps is not None and checkpoint_step(checkpoint) not in steps:
            continue
        load_model(run.generator, str(RunDir.generator_file(checkpoint, average)))
        scores[checkpoint_step(checkpoint)] = reverse_validation_score(run.generator, data, settings)
    return CheckpointChoice(scores)


__all__ = ["CheckpointChoice", "ReverseData", "ReverseSettings", "reverse_validation_score", "select_checkpoint"]
