"""What ``gan_plugin_vanilla`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    VanillaConfig as VanillaConfig,
)
from .losses import (
    MinimaxLoss as MinimaxLoss,
)
from .losses import (
    NonSaturatingLoss as NonSaturatingLoss,
)
from .models import (
    MLPDiscriminator as MLPDiscriminator,
)
from .models import (
    MLPGenerator as MLPGenerator,
)
from .variant import (
    VANILLA as VANILLA,
)
from .variant import (
    build as build,
)

__version__: str
