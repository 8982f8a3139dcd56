"""DCGAN (Radford, Metz and Chintala 2016) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-dcgan")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_dcgan.config import DCGANConfig
from gan_plugin_dcgan.models import DCGANDiscriminator, DCGANGenerator, normal_to_uniform
from gan_plugin_dcgan.plugin import DCGAN, build

__all__ = [
    "DCGAN",
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "__version__",
    "build",
    "normal_to_uniform",
]
