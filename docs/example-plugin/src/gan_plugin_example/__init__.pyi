"""What ``gan_plugin_example`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    LSGANConfig as LSGANConfig,
)
from .losses import (
    LeastSquaresLoss as LeastSquaresLoss,
)
from .models import (
    MLPDiscriminator as MLPDiscriminator,
)
from .models import (
    MLPGenerator as MLPGenerator,
)
from .variant import (
    LSGAN_EXAMPLE as LSGAN_EXAMPLE,
)
from .variant import (
    build as build,
)

__version__: str
