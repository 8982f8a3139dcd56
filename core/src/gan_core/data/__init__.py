"""Data sets: the embedded ones (toy mixtures, ``mnist-5k``, rendered digits) and torchvision's downloads.

The loaders are registered by the core's built-ins (``gan plugins`` lists them); what is here is
what plugins and scripts use directly: the in-memory set and its pixel scaling, the toy mixtures
and their scoring, printed digits, a fixed subset of any set, and the image-file suffixes.
"""

from gan_core._records import DataInfo, DataOptions, DatasetSpec, LoadedData
from gan_core.data.memory import InMemoryDataset, resize_images, scale_pixels
from gan_core.data.rendered import render_digits
from gan_core.data.subset import real_subset
from gan_core.data.toy import GaussianMixture2D, ModeCoverage, grid25, ring8
from gan_core.data.vision import IMAGE_SUFFIXES

__all__ = [
    "IMAGE_SUFFIXES",
    "DataInfo",
    "DataOptions",
    "DatasetSpec",
    "GaussianMixture2D",
    "InMemoryDataset",
    "LoadedData",
    "ModeCoverage",
    "grid25",
    "real_subset",
    "render_digits",
    "resize_images",
    "ring8",
    "scale_pixels",
]
