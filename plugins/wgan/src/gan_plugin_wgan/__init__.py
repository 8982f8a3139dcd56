"""Wasserstein GAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-wgan")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_wgan.config import WganConfig, resolve
from gan_plugin_wgan.losses import WassersteinLoss, critic_loss, generator_loss
from gan_plugin_wgan.plugin import WGAN, build
from gan_plugin_wgan.step import wgan_step

__all__ = [
    "WGAN",
    "WassersteinLoss",
    "WganConfig",
    "__version__",
    "build",
    "critic_loss",
    "generator_loss",
    "resolve",
    "wgan_step",
]


def __getattr__(name: str) -> object:
    """0.1 names kept through 0.2 with a warning (see :mod:`gan_plugin_wgan.losses`)."""
    from gan_plugin_wgan import losses

    return getattr(losses, name)
