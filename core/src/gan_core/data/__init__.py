"""Data sets: the embedded ones (toy mixtures, ``mnist-5k``) and the torchvision downloads."""

from gan_core.data.memory import InMemoryDataset
from gan_core.data.registry import DataOptions, DatasetSpec, LoadedData
from gan_core.data.toy import GaussianMixture2D, ModeCoverage, grid25, ring8

__all__ = [
    "DataOptions",
    "DatasetSpec",
    "GaussianMixture2D",
    "InMemoryDataset",
    "LoadedData",
    "ModeCoverage",
    "grid25",
    "ring8",
]
