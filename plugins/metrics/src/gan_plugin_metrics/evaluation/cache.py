"""Real-data features and statistics, cached on disk so that each data set is measured once.

An entry is one safetensors file per (data set and its loading options, extractor and its weights,
resize mode, number of real samples). It holds the feature statistics FID needs (count, mean and
scatter, float64), the classes the extractor's classifier predicts for the real samples (for class
coverage) and, once a metric has needed them (KID, precision/recall, density/coverage), the real
feature vectors themselves. The key fields are also written into the file's metadata and checked on
reading, so a stale or foreign file is recomputed instead of trusted.

Files are written to a temporary name in the same folder and moved into place with ``os.replace``,
so a reader never sees half a file and two writers of the same entry cannot corrupt it.
Default location: ``$GAN_METRICS_CACHE`` or ``~/.cache/gan/metrics``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from torch import Tensor

from gan_core import ConfigError, atomic_write
from gan_plugin_metrics.features.base import Extracted
from gan_plugin_metrics.functional.stats import FeatureStatistics

CACHE_ENV = "GAN_METRICS_CACHE"
#: bump when the layout of a cache file changes
FORMAT_VERSION = "1"


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/gan/metrics").expanduser()


def check_cache_dir(directory: Path, field: str) -> None:
    """Refuse, in one line and before any work, a cache folder that cannot be one: an existing file, or
    a path under a file (``field`` is what named it: ``--cache-dir`` or ``$GAN_METRICS_CACHE``)."""
    for ancestor in (directory, *directory.parents):
        if not ancestor.exists():
            continue
        if not ancestor.is_dir():
            where = "" if ancestor == directory else f" (it is under {ancestor}, which is not a folder)"
            raise ConfigError(field, f"{directory} is not a folder{where}")
        return


@attrs.frozen
class CacheKey:
    """Everything the real features depend on."""

    dataset: str
    data_options: str  # e.g. "image_size=0"; a digest of the folder for data that lives in one
    extractor: str
    weights_id: str
    resize: str
    n: int
    subset_seed: int

    def fields(self) -> dict[str, str]:
        return {name: str(value) for name, value in attrs.asdict(self).items()} | {"format": FORMAT_VERSION}

    def filename(self) -> str:
        digest = hashlib.sha256(json.dumps(self.fields(), sort_keys=True).encode()).hexdigest()[:12]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.dataset}-{self.extractor}-{self.resize}-n{self.n}")
        return f"{safe}-{digest}.safetensors"


@attrs.frozen
class RealEntry:
    """What the cache holds for one key; ``features`` is ``None`` when no metric needed them yet."""

    statistics: FeatureStatistics
    predicted: Tensor | None
    features: Tensor | None


class RealFeatureCache:
    """Load or store :class:`RealEntry` records under ``directory`` (``None``: the default folder)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()

    def path(self, key: CacheKey) -> Path:
        return self.directory / key.filename()

    def load(self, key: CacheKey, *, need_features: bool) -> RealEntry | None:
        """The cached entry, or ``None`` if there is none, it is unreadable or foreign, or it lacks
        the features that ``need_features`` asks for."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        path = self.path(key)
        if not path.is_file():
            return None
        try:
            from safetensors import safe_open

            with safe_open(str(path), framework="pt") as handle:
                metadata = dict(handle.metadata() or {})
            tensors = load_file(str(path))
        except (OSError, SafetensorError, ValueError):
            return None
        if {k: metadata.get(k) for k in key.fields()} != key.fields():
            return None
        if need_features and "features" not in tensors:
            return None
        try:
            statistics = FeatureStatistics.from_state_dict(
                {"count": tensors["count"], "mean": tensors["mean"], "scatter": tensors["scatter"]}
            )
        except (KeyError, ValueError):
            return None
        return RealEntry(statistics, tensors.get("predicted"), tensors.get("features"))

    def store(self, key: CacheKey, entry: RealEntry, extra_metadata: Mapping[str, Any] | None = None) -> Path:
        """Write ``entry`` atomically; returns its path."""
        from safetensors.torch import save_file

        tensors = dict(entry.statistics.state_dict())
        if entry.predicted is not None:
            tensors["predicted"] = entry.predicted.long().contiguous()
        if entry.features is not None:
            tensors["features"] = entry.features.float().contiguous()
        metadata = key.fields() | {k: str(v) for k, v in (extra_metadata or {}).items()}
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = {k: v.cpu().contiguous() for k, v in tensors.items()}
        return atomic_write(path, lambda partial: save_file(stored, str(partial), metadata=metadata))


def entry_from(extracted: Extracted, *, keep_features: bool) -> RealEntry:
    """The cache record of freshly extracted real features."""
    predicted = extracted.logits.argmax(dim=1) if extracted.logits is not None else None
    return RealEntry(
        FeatureStatistics.from_features(extracted.features),
        predicted,
        extracted.features if keep_features else None,
    )
