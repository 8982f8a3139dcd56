"""BatchStream: the data order is a pure function of (seed, batch counter), so resume replays it."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor
from torch.utils.data import Dataset

from gan_core import ConfigError
from gan_core._stream import BatchStream, epoch_permutation
from gan_core.data import InMemoryDataset

CPU = torch.device("cpu")


def indexed(n: int) -> InMemoryDataset:
    """Sample ``i`` is the number ``i`` (and its label ``-i``), so a batch shows which indices it took."""
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    return InMemoryDataset(x, -torch.arange(n))


def take(stream: BatchStream, count: int) -> list[list[int]]:
    batches = []
    for _ in range(count):
        x, y = next(stream)
        assert y is not None and torch.equal(y, -x[:, 0].long())  # labels travel with their samples
        batches.append(x[:, 0].long().tolist())
    return batches


def stream(n: int = 20, batch_size: int = 5, seed: int = 0, **kwargs: int) -> BatchStream:
    return BatchStream(indexed(n), batch_size=batch_size, seed=seed, device=CPU, **kwargs)


def test_order_depends_only_on_seed_and_counter() -> None:
    assert take(stream(seed=3), 9) == take(stream(seed=3), 9)


def test_a_stream_started_at_k_is_the_tail_of_one_started_at_zero() -> None:
    full = take(stream(seed=1), 12)
    for k in (1, 4, 5, 9):  # 4 batches per epoch: starts inside and at the edge of an epoch
        resumed = stream(seed=1, start=k)
        assert resumed.consumed == k
        assert take(resumed, 12 - k) == full[k:]
        assert resumed.consumed == 12


def test_different_seeds_differ() -> None:
    assert take(stream(seed=0), 4) != take(stream(seed=1), 4)


def test_each_epoch_is_a_permutation_and_epochs_differ() -> None:
    batches = take(stream(n=20, batch_size=5), 12)
    epochs = [[i for batch in batches[e : e + 4] for i in batch] for e in range(0, 12, 4)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(20))
    assert epochs[0] != epochs[1] != epochs[2]


def test_incomplete_last_batch_is_dropped() -> None:
    batches = take(stream(n=23, batch_size=5), 8)  # 4 full batches per epoch, 3 samples left out
    assert all(len(b) == 5 for b in batches)
    first_epoch = [i for batch in batches[:4] for i in batch]
    assert len(set(first_epoch)) == 20


def test_two_ranks_partition_every_global_batch() -> None:
    whole = take(stream(n=24, batch_size=6, seed=2), 10)
    rank0 = take(stream(n=24, batch_size=6, seed=2, rank=0, world=2), 10)
    rank1 = take(stream(n=24, batch_size=6, seed=2, rank=1, world=2), 10)
    for global_batch, first, second in zip(whole, rank0, rank1, strict=True):
        assert len(first) == len(second) == 3
        assert first + second == global_batch


def test_ranks_resume_too() -> None:
    full = take(stream(n=24, batch_size=6, rank=1, world=2), 7)
    assert take(stream(n=24, batch_size=6, rank=1, world=2, start=3), 4) == full[3:]


def test_batch_larger_than_the_data_set() -> None:
    with pytest.raises(ConfigError) as info:
        stream(n=4, batch_size=5)
    assert str(info.value) == "train.batch_size: must be <= the data set's size (4), got 5"
    assert take(stream(n=5, batch_size=5), 3)  # equal is fine: one batch per epoch


def test_batch_not_divisible_by_the_number_of_processes() -> None:
    with pytest.raises(
        ConfigError, match=r"train\.batch_size: must be divisible by the number of processes \(2\), got 5"
    ):
        stream(batch_size=5, world=2)


def test_permutation_ignores_global_random_state() -> None:
    torch.manual_seed(0)
    first = epoch_permutation(50, seed=4, epoch=2)
    torch.manual_seed(1)
    state = torch.get_rng_state()
    assert torch.equal(first, epoch_permutation(50, seed=4, epoch=2))
    assert torch.equal(state, torch.get_rng_state())  # and leaves it untouched
    assert not torch.equal(first, epoch_permutation(50, seed=4, epoch=3))


class ItemDataset(Dataset[tuple[Tensor, Tensor]]):
    """The same samples as :func:`indexed`, but only item by item (the DataLoader path)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return torch.tensor([float(index)]), torch.tensor(-index)


def test_item_datasets_follow_the_same_order() -> None:
    expected = take(stream(n=20, batch_size=5, seed=5, start=2), 7)
    loader = BatchStream(ItemDataset(20), batch_size=5, seed=5, device=CPU, start=2)
    assert take(loader, 7) == expected
    assert loader.consumed == 9


def test_unlabelled_items_give_no_labels() -> None:
    class Unlabelled(ItemDataset):
        def __getitem__(self, index: int) -> tuple[Tensor, None]:  # type: ignore[override]
            return torch.tensor([float(index)]), None

    x, y = next(BatchStream(Unlabelled(10), batch_size=4, seed=0, device=CPU))
    assert x.shape == (4, 1) and y is None
