"""Conditional GANs (Mirza and Osindero 2014) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-cgan")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_cgan.conditioning import MODES, ConcatLabelMaps, ConcatToVector, LabelCode, check_labels
from gan_plugin_cgan.config import BACKBONES, CGANConfig
from gan_plugin_cgan.networks import ConcatDiscriminator, ConditionalGenerator, ProjectionDiscriminator
from gan_plugin_cgan.plugin import CGAN, build, build_discriminator, build_generator

__all__ = [
    "BACKBONES",
    "CGAN",
    "MODES",
    "CGANConfig",
    "ConcatDiscriminator",
    "ConcatLabelMaps",
    "ConcatToVector",
    "ConditionalGenerator",
    "LabelCode",
    "ProjectionDiscriminator",
    "__version__",
    "build",
    "build_discriminator",
    "build_generator",
    "check_labels",
]
