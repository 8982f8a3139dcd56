"""An endless, resumable stream of batches whose order depends only on the seed and a counter.

Resuming must replay the uninterrupted run bit for bit, data order included. Rather than checkpoint
a sampler's internals, the order is a pure function: global batch ``b`` of a run with seed ``s`` is
slice ``b mod per_epoch`` of the permutation drawn for epoch ``b div per_epoch`` from ``(s, epoch)``.
The stream's whole state is therefore the number of batches consumed. In multi-process training each
process takes its contiguous share of every global batch, so the global batch is the same whatever
the number of processes.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, default_collate

from gan_core.data.memory import InMemoryDataset
from gan_core.errors import ConfigError

Batch = tuple[Tensor, Tensor | None]


def epoch_permutation(n: int, seed: int, epoch: int, key: str = "") -> Tensor:
    """The shuffled order of epoch ``epoch``; independent of any global random state.

    ``key`` names a stream (the extra data sets of a run each have one), so that two streams of
    the same run never share an order.
    """
    entropy = [seed, epoch, zlib.crc32(key.encode())] if key else [seed, epoch]
    state = np.random.SeedSequence(entropy).generate_state(2, dtype=np.uint32)
    generator = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
    return torch.randperm(n, generator=generator)


class _IndexBatches:
    """Index tensors of this process's share of global batches ``start, start + 1, ...``."""

    def __init__(self, n: int, batch_size: int, seed: int, start: int, rank: int, world: int, key: str) -> None:
        self.n, self.batch_size, self.seed, self.key = n, batch_size, seed, key
        self.next_batch = start
        self.per_epoch = n // batch_size
        share = batch_size // world
        self.lo, self.hi = rank * share, (rank + 1) * share
        self._epoch, self._perm = -1, torch.empty(0, dtype=torch.long)

    def __iter__(self) -> Iterator[list[int]]:
        while True:
            yield self.take().tolist()

    def take(self) -> Tensor:
        epoch, position = divmod(self.next_batch, self.per_epoch)
        if epoch != self._epoch:
            self._epoch, self._perm = epoch, epoch_permutation(self.n, self.seed, epoch, self.key)
        start = position * self.batch_size
        self.next_batch += 1
        return self._perm[start + self.lo : start + self.hi]


def _collate(items: list[tuple[Tensor, Tensor | None]] | list[Tensor]) -> Batch:
    first = items[0]
    if isinstance(first, tuple | list):
        xs = default_collate([item[0] for item in items])  # type: ignore[index]
        labels = [item[1] for item in items]  # type: ignore[index]
        ys = None if any(label is None for label in labels) else default_collate(labels)
        return xs, ys
    return default_collate(items), None


_DEVICE_COPY_LIMIT = 2 << 30  # in-memory sets up to 2 GiB (CIFAR-10 as uint8: 150 MB) move to the GPU


def _nbytes(dataset: InMemoryDataset) -> int:
    y = dataset.y
    return dataset.x.nelement() * dataset.x.element_size() + (y.nelement() * y.element_size() if y is not None else 0)


class BatchStream:
    """This process's batches, on ``device``, starting after ``start`` consumed global batches.

    An :class:`InMemoryDataset` is batched by indexing; any other data set goes through a
    ``DataLoader`` with ``num_workers`` loader processes (default: up to 4, one per core). ``key``
    names the stream (empty for the run's main data set; an extra data set's name otherwise).
    """

    def __init__(
        self,
        dataset: Dataset,  # type: ignore[type-arg]
        *,
        batch_size: int,
        seed: int,
        device: torch.device,
        start: int = 0,
        rank: int = 0,
        world: int = 1,
        num_workers: int | None = None,
        key: str = "",
    ) -> None:
        n = len(dataset)  # type: ignore[arg-type]
        if batch_size > n:
            which = f"the {key!r} data set's size" if key else "the data set's size"
            raise ConfigError("train.batch_size", f"must be <= {which} ({n}), got {batch_size}")
        if batch_size % world:
            raise ConfigError(
                "train.batch_size", f"must be divisible by the number of processes ({world}), got {batch_size}"
            )
        self.device = device
        self._indices = _IndexBatches(n, batch_size, seed, start, rank, world, key)
        self._start = start
        self._in_memory = dataset if isinstance(dataset, InMemoryDataset) else None
        if self._in_memory is not None and device.type != "cpu" and _nbytes(self._in_memory) <= _DEVICE_COPY_LIMIT:
            # batches are then gathered on the accelerator: no pageable host-to-device copy per step
            x, y = self._in_memory.x, self._in_memory.y
            self._in_memory = InMemoryDataset(x.to(device), y.to(device) if y is not None else None)
        self._loader: Iterator[Batch] | None = None
        if self._in_memory is None:
            loader = DataLoader(
                dataset,
                batch_sampler=self._indices,  # type: ignore[arg-type]
                num_workers=min(4, os.cpu_count() or 1) if num_workers is None else num_workers,
                collate_fn=_collate,
                generator=torch.Generator().manual_seed(seed),  # keep the global RNG untouched
            )
            self._loader = iter(loader)
        self.consumed = start

    def __iter__(self) -> BatchStream:
        return self

    def __next__(self) -> Batch:
        if self._in_memory is not None:
            x, y = self._in_memory.get_batch(self._indices.take())
        else:
            assert self._loader is not None
            x, y = next(self._loader)
        self.consumed += 1
        non_blocking = self.device.type == "cuda"
        return x.to(self.device, non_blocking=non_blocking), (
            y.to(self.device, non_blocking=non_blocking) if y is not None else None
        )
