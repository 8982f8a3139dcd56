"""A fixed subset of a data set: the same samples whatever the process, the run or the caller."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_core._records import LoadedData


def real_subset(data: LoadedData, n: int, seed: int) -> tuple[Tensor, Tensor | None]:
    """``n`` samples of ``data`` (all of them if the set is smaller) and their labels, chosen from ``seed``.

    The choice depends only on the set's size and ``seed``, never on the global RNG, so metrics
    compare against the same real samples in every evaluation and grids show the same inputs.
    """
    dataset = data.dataset
    size = len(dataset)  # type: ignore[arg-type]
    index = torch.randperm(size, generator=torch.Generator().manual_seed(seed))[: min(n, size)].sort().values
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is not None:
        x, y = get_batch(index)
    else:
        items = [dataset[int(i)] for i in index]
        pairs = [item if isinstance(item, tuple | list) else (item, None) for item in items]
        x = torch.stack([pair[0] for pair in pairs])
        labels = [pair[1] for pair in pairs]
        y = None if any(label is None for label in labels) else torch.as_tensor(labels)
    return x.float().cpu(), (y.cpu() if y is not None else None)
