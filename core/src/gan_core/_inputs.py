"""What a generator maps: noise (with labels, for conditional variants) or a source domain's samples.

A game names its input sampler; the trainer, the grids, evaluation, ``gan sample`` and the metrics
all draw through it, so none of them needs to know whether a variant draws from noise or translates.
Training draws come from the global RNG or the run's data streams (checkpoints restore both);
``fixed`` inputs are a pure function of a seed, for grids and sampling that must repeat exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol, runtime_checkable

import attrs
import torch
from torch import Tensor

from gan_core._inference import grid_labels, sample_latent
from gan_core._records import DataInfo, LoadedData
from gan_core.data.subset import real_subset
from gan_core.errors import ConfigError


@attrs.frozen
class GeneratorInput:
    """A batch of generator inputs ``x`` and, for conditional generators, their labels ``y``."""

    x: Tensor
    y: Tensor | None = None


class DrawSource(Protocol):
    """What a sampler may use while training (the step's context provides it)."""

    @property
    def device(self) -> torch.device: ...

    def next_batch_from(self, name: str) -> tuple[Tensor, Tensor | None]: ...


@runtime_checkable
class InputSampler(Protocol):
    """Draws generator inputs: ``draw`` during training, ``fixed`` for grids, sampling and evaluation.

    ``paired`` says whether an input is worth showing beside its output (a translation's source
    image is; noise is not), and ``needs_data`` whether ``fixed`` reads the run's data.
    """

    paired: ClassVar[bool]
    needs_data: ClassVar[bool]

    def draw(self, n: int, source: DrawSource) -> Tensor: ...

    def fixed(
        self, n: int, seed: int, data: LoadedData | None = None, labels: Sequence[int] | None = None
    ) -> GeneratorInput: ...

    def input_info(self, info: DataInfo) -> DataInfo | None: ...

    def check(self, data: LoadedData) -> None:
        """A one-line :class:`~gan_core.ConfigError` if ``data`` cannot feed this sampler."""
        ...


def _positive(_: object, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TypeError(f"{attribute.name} must be a positive int, got {value!r}")


@attrs.frozen
class Noise:
    """``z ~ N(0, I)`` of ``latent_dim``; with ``num_classes``, a conditional generator's labels too.

    Training draws come from the global RNG (the step's labels come from the real batch); fixed
    draws from a private generator seeded by the caller, with the classes in turn or as requested.
    """

    latent_dim: int = attrs.field(validator=_positive)
    num_classes: int | None = None

    paired: ClassVar[bool] = False
    needs_data: ClassVar[bool] = False

    def draw(self, n: int, source: DrawSource) -> Tensor:
        return torch.randn(n, self.latent_dim, device=source.device)

    def fixed(
        self, n: int, seed: int, data: LoadedData | None = None, labels: Sequence[int] | None = None
    ) -> GeneratorInput:
        if labels is not None and self.num_classes is None:
            raise ConfigError("--label", "this generator is unconditional; labels need a conditional variant")
        return GeneratorInput(sample_latent(n, self.latent_dim, seed), grid_labels(n, self.num_classes, labels))

    def input_info(self, info: DataInfo) -> DataInfo | None:
        return None

    def check(self, data: LoadedData) -> None:
        if self.num_classes is not None and data.info.num_classes is None:
            raise ConfigError("train.dataset", "the generator is conditional and needs a labelled data set")


@attrs.frozen
class SourceSamples:
    """Samples of the extra data set ``name`` (``LoadedData.extra``), for variants that translate one
    domain into another: the generator maps each to the target domain, and grids show both."""

    name: str = "source"

    paired: ClassVar[bool] = True
    needs_data: ClassVar[bool] = True

    def draw(self, n: int, source: DrawSource) -> Tensor:
        x, _ = source.next_batch_from(self.name)
        return x[:n]

    def fixed(
        self, n: int, seed: int, data: LoadedData | None = None, labels: Sequence[int] | None = None
    ) -> GeneratorInput:
        if labels is not None:
            raise ConfigError("--label", f"a translation reads {self.name!r} samples; it takes no labels")
        if data is None:
            raise ValueError(f"the generator translates {self.name!r} samples: pass the run's data")
        self.check(data)
        x, _ = real_subset(data.extra[self.name], n, seed)
        if len(x) < n:  # a set smaller than n: its samples in turn, so that there are always n inputs
            x = x.repeat(-(-n // len(x)), *([1] * (x.dim() - 1)))[:n]
        return GeneratorInput(x)

    def input_info(self, info: DataInfo) -> DataInfo | None:
        return info.extra.get(self.name)

    def check(self, data: LoadedData) -> None:
        if self.name not in data.extra:
            have = ", ".join(sorted(data.extra)) or "none"
            raise ConfigError(
                "train.dataset", f"the generator translates {self.name!r} samples; the data has no such set ({have})"
            )
