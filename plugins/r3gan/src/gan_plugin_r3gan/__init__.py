"""A modern GAN baseline after R3GAN (Huang et al. 2024) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-r3gan")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_r3gan.config import R3GANConfig
from gan_plugin_r3gan.networks import R3Discriminator, R3Generator, ResidualBlock
from gan_plugin_r3gan.plugin import R3GAN, build

__all__ = ["R3GAN", "R3Discriminator", "R3GANConfig", "R3Generator", "ResidualBlock", "__version__", "build"]
