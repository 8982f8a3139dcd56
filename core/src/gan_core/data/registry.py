"""How a data set is registered and what loading one returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
from torch.utils.data import Dataset

from gan_core.variant import DataInfo


@attrs.frozen
class DataOptions:
    """The train-config settings a loader may honour: where files live, and a square resize."""

    root: Path
    image_size: int = 0  # 0: keep the data set's own size


@attrs.frozen
class LoadedData:
    """A map-style data set whose items are ``x`` or ``(x, y)``, plus what builders need to know.

    Data sets that fit in memory should be :class:`~gan_core.data.memory.InMemoryDataset`, whose
    vectorised ``get_batch`` lets the trainer skip per-item collation.

    ``extra`` holds further named data sets that the trainer streams beside the main one, each with
    its own resumable order (a step reads them with ``StepContext.next_batch_from(name)``): the
    source domain of a translation variant, for instance. :attr:`full_info` is ``info`` with their
    descriptions filled in, which is what builders receive.
    """

    dataset: Dataset  # type: ignore[type-arg]
    info: DataInfo
    extra: Mapping[str, LoadedData] = attrs.field(factory=dict, converter=lambda value: dict(value))

    @property
    def full_info(self) -> DataInfo:
        if not self.extra:
            return self.info
        return attrs.evolve(self.info, extra={**self.info.extra, **{k: v.info for k, v in self.extra.items()}})


@attrs.frozen
class DatasetSpec:
    """A data set under a name, as ``gan train --dataset NAME`` finds it."""

    name: str
    load: Callable[[DataOptions], LoadedData]
    description: str = ""
