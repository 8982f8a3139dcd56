"""What ``gan_plugin_serve`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .app import (
    Limits as Limits,
)
from .app import (
    create_app as create_app,
)
from .demo import (
    BadRequest as BadRequest,
)
from .demo import (
    DemoRun as DemoRun,
)
