"""What ``gan_plugin_cgan`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .conditioning import (
    MODES as MODES,
)
from .conditioning import (
    ConcatLabelMaps as ConcatLabelMaps,
)
from .conditioning import (
    ConcatToVector as ConcatToVector,
)
from .conditioning import (
    LabelCode as LabelCode,
)
from .conditioning import (
    check_labels as check_labels,
)
from .config import (
    BACKBONES as BACKBONES,
)
from .config import (
    CGANConfig as CGANConfig,
)
from .networks import (
    ConcatDiscriminator as ConcatDiscriminator,
)
from .networks import (
    ConditionalGenerator as ConditionalGenerator,
)
from .networks import (
    ProjectionDiscriminator as ProjectionDiscriminator,
)
from .variant import (
    CGAN as CGAN,
)
from .variant import (
    build as build,
)
from .variant import (
    build_discriminator as build_discriminator,
)
from .variant import (
    build_generator as build_generator,
)

__version__: str
