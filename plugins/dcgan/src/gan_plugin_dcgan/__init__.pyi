"""What ``gan_plugin_dcgan`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    DCGANConfig as DCGANConfig,
)
from .models import (
    DCGANDiscriminator as DCGANDiscriminator,
)
from .models import (
    DCGANGenerator as DCGANGenerator,
)
from .models import (
    normal_to_uniform as normal_to_uniform,
)
from .variant import (
    DCGAN as DCGAN,
)
from .variant import (
    build as build,
)

__version__: str
