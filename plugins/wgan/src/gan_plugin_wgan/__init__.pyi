"""What ``gan_plugin_wgan`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    WganConfig as WganConfig,
)
from .config import (
    resolve as resolve,
)
from .losses import (
    WassersteinLoss as WassersteinLoss,
)
from .losses import (
    critic_loss as critic_loss,
)
from .losses import (
    generator_loss as generator_loss,
)
from .step import (
    wgan_step as wgan_step,
)
from .variant import (
    WGAN as WGAN,
)
from .variant import (
    build as build,
)

__version__: str
