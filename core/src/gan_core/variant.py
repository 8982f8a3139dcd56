"""What a plugin registers: a :class:`Variant` (config class, builder, optional training step).

A variant is data, not a subclass: the core never needs to know a plugin's classes, and a third
party can register a variant without importing anything but these records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_core.protocols import Loss

if TYPE_CHECKING:
    from gan_core.config import RunConfig
    from gan_core.data.registry import DataOptions, LoadedData
    from gan_core.registry import Registry
    from gan_core.training.evaluation import EvalContext
    from gan_core.training.step import StepContext

DataKind = Literal["image", "points"]


@attrs.frozen
class DataInfo:
    """What a builder must know about the data to size its networks.

    ``shape`` is one sample's shape (``(C, H, W)`` for images, ``(D,)`` for points); samples live in
    ``value_range`` (images are scaled to ``[-1, 1]``, matching a ``tanh`` output).
    """

    shape: tuple[int, ...]
    kind: DataKind
    num_classes: int | None = None
    value_range: tuple[float, float] = (-1.0, 1.0)
    #: what the extra data sets streamed beside the main one look like (``LoadedData.extra``), so a
    #: builder can size networks that read them (DTN's source images): name -> DataInfo
    extra: Mapping[str, DataInfo] = attrs.field(factory=dict, converter=lambda value: dict(value))


@attrs.frozen
class GanModels:
    """Everything a builder makes from a config: the two networks, the loss and their optimizers."""

    generator: nn.Module
    discriminator: nn.Module
    loss: Loss
    g_optimizer: Optimizer
    d_optimizer: Optimizer


class Builder(Protocol):
    """Makes fresh, seeded-by-the-caller models for a config and a data set."""

    def __call__(self, config: Any, data: DataInfo) -> GanModels: ...


class StepFn(Protocol):
    """One training step (one generator update and whatever discriminator updates precede it).

    Returns detached scalar tensors to log; the trainer averages them between log lines without
    forcing a device synchronisation every step.
    """

    def __call__(self, ctx: StepContext) -> Mapping[str, Tensor]: ...


class LoadDataFn(Protocol):
    """Loads a variant's training data itself, instead of ``train.dataset`` from the registry."""

    def __call__(self, config: RunConfig, options: DataOptions, registry: Registry) -> LoadedData: ...


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

    ``step`` is ``None`` for variants that play the standard game (k discriminator updates, then one
    generator update); the core's :func:`gan_core.training.alternating_step` then runs it.
    ``train_defaults`` overrides :class:`gan_core.config.TrainConfig` defaults that belong to this
    variant's paper (its default data set, batch size, number of steps, k).

    Variants that map data to data rather than noise to data (DTN maps source images into the
    target domain) name in ``source`` the extra data set whose samples the generator takes instead
    of ``z``; ``load_data`` then usually builds the two domains (``LoadedData.extra[source]``).
    ``evaluate`` is the variant's own measure, run during training (DTN's transfer accuracy).
    """

    name: str
    config_cls: type
    build: Builder
    description: str = ""
    step: StepFn | None = None
    conditional: bool = False
    data_kinds: frozenset[DataKind] = frozenset({"image", "points"})
    train_defaults: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    load_data: LoadDataFn | None = None
    evaluate: Evaluator | None = None
    source: str | None = None

    def __attrs_post_init__(self) -> None:
        if not attrs.has(self.config_cls):
            raise TypeError(f"variant {self.name!r}: config_cls must be an attrs class")
        if self.source is not None and self.step is None:
            raise TypeError(f"variant {self.name!r}: a variant with a source domain must supply its own step")


MetricFn = Callable[..., Mapping[str, float]]


@attrs.frozen
class MetricSpec:
    """A sample-quality metric: ``compute(real, fake, **options)`` returns named scalar results.

    ``real`` and ``fake`` are CPU tensors of samples in the data's value range. The trainer's
    evaluation (``train.eval_metrics``) passes the options ``real_labels``, ``fake_labels`` (tensors
    or ``None``), ``num_classes`` and ``dataset`` (the data set's name); ``compute`` must accept and
    ignore options it does not know, so that the core can add more.
    """

    name: str
    compute: MetricFn
    description: str = ""
    higher_is_better: bool = True


@attrs.frozen
class FeatureExtractorSpec:
    """A network that maps samples to features for metrics (``inception-fid``, ``digits``).

    ``load(**options)`` returns the extractor; what it returns is the metrics plugin's contract
    (see its documentation): the core only keeps the names, so that any plugin can add one.
    """

    name: str
    load: Callable[..., Any]
    description: str = ""


@attrs.frozen
class LossSpec:
    """A named adversarial loss; ``factory(**options)`` returns a :class:`~gan_core.protocols.Loss`."""

    name: str
    factory: Callable[..., Loss]
    description: str = ""
