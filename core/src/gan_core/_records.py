"""The records that plugins register and the core passes around: one bottom module, no upward imports.

Every hook's ``register`` callback takes one of these (or a :class:`gan_core.Variant`, which is built
from them one layer up). They are frozen attrs classes: data, not behaviour, so that a third party
can register things without importing anything but these records.
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs

if TYPE_CHECKING:  # this module is imported to build the registry, which must not cost a torch import
    from torch import Tensor
    from torch.utils.data import Dataset

    from gan_core._protocols import Loss

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
class DataOptions:
    """The train-config settings a loader may honour: where files live, a square resize, and what to
    do with files that cannot be read (``train.bad_images``)."""

    root: Path
    image_size: int = 0  # 0: keep the data set's own size
    #: "error": refuse to start, naming the first unreadable file; "skip": leave such files out, with a warning
    bad_images: str = "error"


@attrs.frozen
class LoadedData:
    """A map-style data set whose items are ``x`` or ``(x, y)``, plus what builders need to know.

    Data sets that fit in memory should be :class:`~gan_core.data.InMemoryDataset`, whose
    vectorised ``get_batch`` lets the trainer skip per-item collation.

    ``extra`` holds further named data sets that the trainer streams beside the main one, each with
    its own resumable order (a step reads them with ``StepContext.next_batch_from(name)``): the
    source domain of a translation variant, for instance. :attr:`full_info` is ``info`` with their
    descriptions filled in, which is what builders receive.

    ``modes``, where the data set knows its modes (the toy mixtures), assigns a batch of samples to
    them: a tensor of mode indices in ``range(info.num_classes)``. The training probes use it to log
    the mode histogram of the generated batch, which is what mode collapse looks like.

    ``heldout`` holds, by stream name (``"source"``, ...), the parts of the extra data sets that
    training never reads: what a demo shows a translation transferring (``gan serve``), so that it is
    not shown the images it learned from. The trainer ignores it.
    """

    dataset: Dataset  # type: ignore[type-arg]
    info: DataInfo
    extra: Mapping[str, LoadedData] = attrs.field(factory=dict, converter=lambda value: dict(value))
    modes: Callable[[Tensor], Tensor] | None = None
    heldout: Mapping[str, LoadedData] = attrs.field(factory=dict, converter=lambda value: dict(value))

    @property
    def full_info(self) -> DataInfo:
        if not self.extra:
            return self.info
        return attrs.evolve(self.info, extra={**self.info.extra, **{k: v.info for k, v in self.extra.items()}})


@attrs.frozen
class Deferred:
    """A registration whose object is imported only when it is first looked up.

    ``register(Deferred("mygan", "my_plugin.variant:MYGAN"))`` in a hook gives the name (and, for a
    command, the ``description`` that ``gan --help`` shows) while the object (a variant, a data set,
    a command...) stays in a module that imports torch: building the registry, ``gan --help`` and
    ``gan plugins`` then import neither. ``target`` is ``"module:attribute"``; the attribute is the
    object itself or a collection (a sequence or a mapping's values) holding the object of that name,
    so one module's tuple of specs can serve several registrations. The module must exist when the
    plugin registers (a typo makes the plugin broken, as an import error would); the object must
    carry the same name when it is loaded.
    """

    name: str
    target: str = attrs.field()
    description: str = ""

    @target.validator
    def _module_and_attribute(self, _: attrs.Attribute[str], value: str) -> None:
        module, _sep, attribute = value.partition(":")
        if not module or not attribute:
            raise ValueError(f"Deferred target must be 'module:attribute', got {value!r}")

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    def load(self) -> Any:
        """Import the module and return the object named :attr:`name` (one line of error if it is not there)."""
        import importlib

        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if getattr(found, "name", None) == self.name:
            return found
        items = found.values() if isinstance(found, Mapping) else found if isinstance(found, tuple | list) else ()
        for item in items:
            if getattr(item, "name", None) == self.name:
                return item
        raise LookupError(f"{self.target} holds nothing named {self.name!r}")


@attrs.frozen
class DatasetSpec:
    """A data set under a name, as ``gan train --dataset NAME`` finds it."""

    name: str
    load: Callable[[DataOptions], LoadedData]
    description: str = ""


class DatasetCatalog(Protocol):
    """Where variants' own data loaders and evaluators look data sets up by name (the registry)."""

    def dataset(self, name: str) -> DatasetSpec: ...


@attrs.frozen
class LossSpec:
    """A named adversarial loss; ``factory(**options)`` returns a :class:`~gan_core.Loss`.

    A variant names it in its game (``Game(loss="hinge")``) and the trainer looks it up, so a loss
    that one plugin registers serves every variant whose configuration lets the user choose.
    """

    name: str
    factory: Callable[..., Loss]
    description: str = ""


class LossCatalog(Protocol):
    """Where a game's loss name is looked up (the registry)."""

    def loss(self, name: str) -> LossSpec: ...


MetricFn = Callable[..., Mapping[str, float]]


@attrs.frozen
class MetricSpec:
    """A sample-quality metric: ``compute(real, fake, **options)`` returns named scalar results.

    ``real`` and ``fake`` are CPU tensors of samples in the data's value range. The trainer's
    evaluation (``train.eval_metrics``) passes the options ``real_labels``, ``fake_labels`` (tensors
    or ``None``), ``num_classes``, ``dataset`` (the data set's name) and ``registry`` (to find other
    plugins' feature extractors); ``compute`` must accept and ignore options it does not know, so that
    the core can add more.
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
class CommandSpec:
    """A ``gan`` subcommand: ``add_arguments`` configures its argparse parser, ``run`` returns an exit code.

    ``run(args)`` finds the registry the command line built in ``args.registry`` (a
    :class:`gan_core.Registry`): commands never build or fetch one of their own. It may raise
    :class:`~gan_core.errors.GanError` for bad input: the CLI prints it on one line and exits with
    code 2.
    """

    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[Namespace], int]
    description: str = ""
