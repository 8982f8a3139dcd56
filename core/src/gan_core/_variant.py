"""What a plugin registers for ``gan train NAME``: a :class:`Variant` (config class, builder, data, measure).

A variant is data, not a subclass: the core never needs to know a plugin's classes. Its builder
returns a :class:`gan_core.Game`, which holds everything the trainer runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs
import torch
from accelerate import Accelerator
from torch import Tensor, nn

from gan_core._compat import GanModels, adapt_loss, deprecated, game_from_models
from gan_core._config import RunConfig
from gan_core._game import Game, StepFn, alternating_step
from gan_core._inference import generate, process_share
from gan_core._inputs import InputSampler, Noise
from gan_core._protocols import Loss
from gan_core._records import DataInfo, DataKind, DataOptions, DatasetCatalog, LoadedData, LossCatalog
from gan_core.errors import AmbiguousNameError, ConfigError, UnknownNameError


class Builder(Protocol):
    """Makes a fresh game (networks, optimisers, loss, inputs, step) for a config and a data set.

    The caller seeds the global RNG before calling it, so the same seed gives the same weights.
    """

    def __call__(self, config: Any, data: DataInfo) -> Game: ...


class LoadDataFn(Protocol):
    """Loads a variant's training data itself, instead of ``train.dataset`` from the registry."""

    def __call__(self, config: RunConfig, options: DataOptions, datasets: DatasetCatalog) -> LoadedData: ...


@attrs.frozen
class EvalContext:
    """What an evaluator may use. ``generator`` is the bare module (never the DDP wrapper), in eval
    mode for the duration of the call; ``inputs`` is what it reads (the game's input sampler)."""

    step: int
    generator: nn.Module
    accelerator: Accelerator
    data: LoadedData
    config: RunConfig
    out_dir: Path
    inputs: InputSampler
    registry: DatasetCatalog | None = None
    conditional: bool = False

    @property
    def latent_dim(self) -> int:
        return self.inputs.latent_dim if isinstance(self.inputs, Noise) else 0

    def generate(self, n: int, *, seed: int, labels: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``n`` samples (on the CPU) and their labels, the same whatever the number of processes.

        The inputs for all ``n`` are drawn from ``seed`` on every process (:meth:`InputSampler.fixed`);
        each process generates its contiguous share and the shares are gathered, so each sample is
        generated exactly once. Conditional generators get ``labels``, or the classes in turn.
        """
        world, rank = self.accelerator.num_processes, self.accelerator.process_index
        total = -(-n // world) * world  # padded so that every process has an equal share to gather
        drawn = self.inputs.fixed(total, seed, self.data)
        y = drawn.y
        if labels is not None:
            y = torch.cat([labels.cpu(), labels.cpu()[: total - n]]) if total > n else labels.cpu()
        mine = process_share(total, rank, world)
        device = self.accelerator.device
        samples = generate(self.generator, drawn.x[mine].to(device), y[mine] if y is not None else None)
        if world > 1:
            samples = self.accelerator.gather(samples.to(device)).cpu()
        return samples[:n], (y[:n] if y is not None else None)


class Evaluator(Protocol):
    """Measures the generator during training; returns named scalars (logged as ``eval/<name>``).

    Called on every process (so that it may gather across them) every ``train.eval_every`` steps and
    at the last step; it must not draw from the global RNG, or resumed runs would diverge.
    """

    def __call__(self, ctx: EvalContext) -> Mapping[str, float]: ...


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


@attrs.frozen
class Variant:
    """A GAN variant as registered by a plugin under ``name``.

    ``build(config, data_info)`` returns the :class:`~gan_core.Game` the trainer runs.
    ``train_defaults`` overrides :class:`gan_core.TrainConfig` defaults that belong to this variant's
    paper (its default data set, batch size, number of steps, k). ``conditional`` variants need a
    labelled data set. ``load_data`` builds the training data itself (DTN loads two domains);
    ``evaluate`` is the variant's own measure, run during training (DTN's transfer accuracy).

    ``step`` and ``source`` are gan-core 0.1's way of naming a custom step and a translation's source
    data set; in 0.2 both belong to the game (``Game(step=..., inputs=SourceSamples(...))``).
    """

    name: str
    config_cls: type
    build: Builder
    description: str = ""
    conditional: bool = False
    data_kinds: frozenset[DataKind] = frozenset({"image", "points"})
    train_defaults: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    load_data: LoadDataFn | None = None
    evaluate: Evaluator | None = None
    step: StepFn | None = None
    source: str | None = None

    def __attrs_post_init__(self) -> None:
        if not attrs.has(self.config_cls):
            raise TypeError(f"variant {self.name!r}: config_cls must be an attrs class")
        if self.step is not None or self.source is not None:
            deprecated(f"variant {self.name!r}: Variant(step=..., source=...) is 0.1's; put them in the Game", 4)

    def load_training_data(self, config: RunConfig, datasets: DatasetCatalog) -> LoadedData:
        """The run's training data: the variant's own loader, or ``train.dataset`` from ``datasets``."""
        train = config.train
        options = DataOptions(
            root=Path(train.data_root).expanduser(), image_size=train.image_size, bad_images=train.bad_images
        )
        if self.load_data is not None:
            return self.load_data(config, options, datasets)
        return datasets.dataset(config.train.dataset).load(options)

    def build_game(
        self, config: Any, info: DataInfo, losses: LossCatalog | None = None, *, resolve_loss: bool = True
    ) -> Game:
        """The builder's game, with a loss named by a string looked up in ``losses`` (the registry).

        ``resolve_loss=False`` leaves a named loss as its name: loading a run's networks to sample
        from them needs no loss, and must not fail because the loss's plugin is gone.
        A 0.1 builder's :class:`GanModels` is adapted, with a warning that says what to change.
        """
        made = self.build(config, info)
        if isinstance(made, GanModels):
            made = game_from_models(
                made,
                info,
                owner=f"variant {self.name!r}",
                conditional=self.conditional,
                source=self.source,
                step=self.step,
            )
        if not isinstance(made, Game):
            raise TypeError(f"variant {self.name!r}: build returned {type(made).__name__}, expected gan_core.Game")
        if self.step is not None and made.step is alternating_step:
            made = attrs.evolve(made, step=self.step)
        inputs = made.inputs
        if self.conditional and isinstance(inputs, Noise) and inputs.num_classes is None:
            # the variant declares itself conditional: its generator reads the data set's labels
            inputs = attrs.evolve(inputs, num_classes=info.num_classes)
        if not self.conditional and isinstance(inputs, Noise) and inputs.num_classes is not None:
            raise TypeError(
                f"variant {self.name!r}: its generator reads labels (Noise(num_classes=...)), "
                "so the variant must declare conditional=True (training passes labels only then)"
            )
        made = attrs.evolve(made, inputs=inputs)
        if not resolve_loss and isinstance(made.loss, str):
            return made
        return attrs.evolve(made, **_resolved_loss(made, losses, self.name))


def _resolved_loss(game: Game, losses: LossCatalog | None, owner: str) -> dict[str, Any]:
    loss = game.loss
    if isinstance(loss, str):
        if losses is None:
            raise TypeError(f"variant {owner!r} names its loss {loss!r}; looking it up needs a registry")
        try:
            spec = losses.loss(loss)
        except (UnknownNameError, AmbiguousNameError) as error:
            raise ConfigError("model.loss", str(error)) from None
        try:
            loss = spec.factory(**game.loss_options)
        except TypeError as error:  # an option this loss does not take, set by another of the variant's settings
            given = ", ".join(f"{key}={value!r}" for key, value in game.loss_options.items())
            raise ConfigError("model.loss", f"the loss {loss!r} does not take {given} ({error})") from None
    adapted, extra = adapt_loss(loss, f"variant {owner!r}")
    if not isinstance(adapted, Loss):
        raise TypeError(f"variant {owner!r}: the loss {type(adapted).__name__} does not satisfy gan_core.Loss")
    return {"loss": adapted, "regularizers": (*game.regularizers, *extra)}


def check_data(variant: Variant, info: DataInfo, dataset: str) -> None:
    """A one-line error when the data set cannot serve ``variant`` (wrong kind, or no labels)."""
    if info.kind not in variant.data_kinds:
        raise ConfigError(
            "train.dataset",
            f"{variant.name} trains on {' or '.join(sorted(variant.data_kinds))} data; {dataset!r} is {info.kind} data",
        )
    if variant.conditional and info.num_classes is None:
        raise ConfigError("train.dataset", f"{variant.name} is conditional and needs a labelled data set")
