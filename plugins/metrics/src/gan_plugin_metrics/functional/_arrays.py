"""Input handling shared by the metric functions: numpy arrays or torch tensors in, checked arrays out.

Every metric accepts either kind so that callers can pass features straight from a network (tensors,
possibly on a GPU) or from a cache on disk (numpy). Checks raise :class:`gan_core.errors.ConfigError`,
a ``ValueError`` whose one-line message starts with the argument's name, so that the CLI can print it
and exit with code 2 like any other bad setting.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from gan_core.errors import ConfigError


def as_tensor(value: Any, name: str) -> Tensor:
    """A tensor view of ``value`` without copying where possible (numpy arrays share their memory)."""
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise ConfigError(name, "expected a numeric array, got an array of Python objects")
        return torch.from_numpy(value if value.flags.writeable else value.copy())  # torch wants writeable memory
    raise ConfigError(name, f"expected a numpy array or a torch tensor, got {type(value).__name__}")


def _check_finite(x: Tensor, name: str) -> None:
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ConfigError(name, "contains NaN or infinite values")


def features(value: Any, name: str, *, min_rows: int = 1, dim: int | None = None, dim_of: str = "") -> Tensor:
    """A 2-D floating-point tensor ``(samples, features)``, checked; dtype and device kept.

    ``min_rows`` is the least number of samples the metric can work with; ``dim`` (when given) is
    the feature size that must match the other set, named ``dim_of`` in the message.
    """
    x = as_tensor(value, name)
    if x.ndim != 2:
        raise ConfigError(name, f"expected a 2-D array (samples, features), got shape {tuple(x.shape)}")
    if x.is_complex() or x.dtype == torch.bool:
        raise ConfigError(name, f"expected real numbers, got dtype {x.dtype}")
    if not x.is_floating_point():
        x = x.to(torch.float64)
    if x.shape[1] == 0:
        raise ConfigError(name, "has 0 features per sample")
    if dim is not None and x.shape[1] != dim:
        raise ConfigError(name, f"has {x.shape[1]} features per sample but {dim_of} has {dim}")
    if x.shape[0] < min_rows:
        raise ConfigError(name, f"needs at least {min_rows} sample{'' if min_rows == 1 else 's'}, got {x.shape[0]}")
    _check_finite(x, name)
    return x


def float64_numpy(value: Any, name: str) -> np.ndarray:
    """A float64 numpy copy-or-view of an array or tensor (tensors are moved to the CPU)."""
    x = as_tensor(value, name)
    if x.is_complex() or x.dtype == torch.bool:
        raise ConfigError(name, f"expected real numbers, got dtype {x.dtype}")
    return x.to("cpu", dtype=torch.float64).numpy()


def vector(value: Any, name: str, *, size: int | None = None, size_of: str = "") -> np.ndarray:
    """A 1-D float64 numpy array (a mean vector), checked."""
    x = float64_numpy(value, name)
    if x.ndim != 1:
        raise ConfigError(name, f"expected a 1-D array, got shape {x.shape}")
    if size is not None and x.shape[0] != size:
        raise ConfigError(name, f"has length {x.shape[0]} but {size_of} has {size}")
    if not np.isfinite(x).all():
        raise ConfigError(name, "contains NaN or infinite values")
    return x


def square_symmetric(value: Any, name: str, *, size: int, size_of: str) -> np.ndarray:
    """A ``(size, size)`` symmetric float64 numpy array (a covariance), checked.

    Symmetry is required to a relative 1e-6 of the largest entry (covariances computed in float32 or
    by a matrix product are symmetric only up to rounding; anything further off is not a covariance),
    on 16 rows and the matching columns spread over the matrix: comparing the whole matrix with its
    transpose costs 0.3 s at d = 2048, a quarter of the Fréchet distance itself.
    """
    x = float64_numpy(value, name)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ConfigError(name, f"expected a square 2-D array, got shape {x.shape}")
    if x.shape[0] != size:
        raise ConfigError(name, f"is {x.shape[0]}x{x.shape[1]} but {size_of} has length {size}")
    if not np.isfinite(x).all():
        raise ConfigError(name, "contains NaN or infinite values")
    probe = np.unique(np.linspace(0, size - 1, num=min(size, 16)).astype(np.int64))
    if size and np.abs(x[probe, :] - x[:, probe].T).max() > 1e-6 * max(x.max(), -x.min()):
        raise ConfigError(name, "is not symmetric, so it is not a covariance matrix")
    return x


def labels(value: Any, name: str) -> Tensor:
    """Class labels as a 1-D int64 tensor; a 2-D array is read as per-class scores (logits or
    probabilities) and turned into labels by arg-max, so classifier outputs can be passed as they come."""
    x = as_tensor(value, name)
    if x.ndim == 2:
        if x.shape[1] == 0:
            raise ConfigError(name, "has 0 classes per sample")
        if x.is_floating_point():
            _check_finite(x, name)
        return x.argmax(dim=1).to(torch.int64)
    if x.ndim != 1:
        raise ConfigError(name, f"expected 1-D labels or 2-D class scores, got shape {tuple(x.shape)}")
    if x.is_floating_point():
        _check_finite(x, name)
        if not bool((x == x.round()).all()):
            raise ConfigError(name, "labels must be whole numbers")
    elif x.is_complex() or x.dtype == torch.bool:
        raise ConfigError(name, f"expected integer labels, got dtype {x.dtype}")
    x = x.to(torch.int64)
    if x.numel() and int(x.min()) < 0:
        raise ConfigError(name, f"labels must be >= 0, got {int(x.min())}")
    return x


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """An integer argument of at least ``minimum`` (bools are rejected: ``k=True`` is a mistake)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(name, f"must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ConfigError(name, f"must be >= {minimum}, got {value}")
    return int(value)
