"""gan-plugin-example: a least-squares GAN, as a template for third-party gan plugins."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-example")
except PackageNotFoundError:  # pragma: no cover - imported from a source tree
    __version__ = "0.0.0"

from gan_plugin_example.config import LSGANConfig
from gan_plugin_example.losses import LeastSquaresLoss
from gan_plugin_example.models import MLPDiscriminator, MLPGenerator
from gan_plugin_example.plugin import LSGAN_EXAMPLE, build

__all__ = [
    "LSGAN_EXAMPLE",
    "LSGANConfig",
    "LeastSquaresLoss",
    "MLPDiscriminator",
    "MLPGenerator",
    "__version__",
    "build",
]
