"""gan_core's errors survive pickling: a process pool's worker (the benchmark scripts, a user's own
pool) hands a raised error back to its parent pickled, and an error that cannot be rebuilt turns a
one-line message into a BrokenProcessPool (found when a benchmark's worker raised a ConfigError)."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from gan_core.errors import (
    AmbiguousNameError,
    CheckpointError,
    ConfigError,
    DivergenceError,
    GanError,
    UnknownNameError,
)

ERRORS: list[GanError] = [
    ConfigError("train.batch_size", "must be a positive integer, got 0"),
    UnknownNameError("variant", "stylegan", ["dcgan", "vanilla"]),
    AmbiguousNameError("loss", "hinge", ["a:hinge", "b:hinge"]),
    DivergenceError(120, "d_loss", "runs/x/checkpoints/step-100"),
    DivergenceError(3, "g_loss", None),
    CheckpointError("runs/x: no checkpoint"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_pickles_to_the_same_message_and_fields(error: GanError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy) == vars(error)


def _raise_config_error() -> None:
    raise ConfigError("model.batch_size", "unknown key; allowed: lr, width")


def test_a_workers_config_error_reaches_the_parent_as_itself() -> None:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        future = pool.submit(_raise_config_error)
        with pytest.raises(ConfigError) as raised:
            future.result()
    assert raised.value.field == "model.batch_size" and str(raised.value).startswith("model.batch_size: unknown key")
