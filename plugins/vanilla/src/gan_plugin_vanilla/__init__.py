"""The original GAN (Goodfellow et al. 2014) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-vanilla")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_vanilla.config import VanillaConfig
from gan_plugin_vanilla.losses import MinimaxLoss, NonSaturatingLoss
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator
from gan_plugin_vanilla.plugin import VANILLA, build

__all__ = [
    "VANILLA",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "VanillaConfig",
    "__version__",
    "build",
]
