"""What ``gan_plugin_r3gan`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    R3GANConfig as R3GANConfig,
)
from .networks import (
    R3Discriminator as R3Discriminator,
)
from .networks import (
    R3Generator as R3Generator,
)
from .networks import (
    ResidualBlock as ResidualBlock,
)
from .variant import (
    R3GAN as R3GAN,
)
from .variant import (
    build as build,
)

__version__: str
