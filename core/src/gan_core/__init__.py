"""gan-core: the contracts, plugin system, training loop, data sets and CLI of the gan library.

What this package exports is the plugin API: a plugin (and a script) imports from ``gan_core`` and
from the documented submodules ``gan_core.backbones``, ``gan_core.data``, ``gan_core.losses``,
``gan_core.regularizers``, ``gan_core.augment``, ``gan_core.testing``, ``gan_core.errors`` and
``gan_core.hookspecs``.
Every other module is private (its name starts with ``_``) and may change in any release; the module
paths of gan-core 0.1 still work in 0.2, with a :class:`GanDeprecationWarning`.
"""

import sys
import warnings
from typing import Any

import lazy_loader

# every public name is imported on first use, from the stub beside this file (__init__.pyi), so
# that `gan --help` and a plugin's registration module never pay for torch
_lazy_getattr, __dir__, _names = lazy_loader.attach_stub(__name__, __file__)
_SUBMODULES = frozenset({"augment", "backbones", "data", "errors", "hookspecs", "losses", "regularizers"})
__all__ = [name for name in _names if name not in _SUBMODULES]

# shown by default, so that a 0.1 plugin's author sees what to change (DeprecationWarning is hidden
# outside __main__); a user's own -W options or filters decide instead when they set any
if not sys.warnoptions:
    from gan_core.errors import GanDeprecationWarning

    warnings.filterwarnings("default", category=GanDeprecationWarning)

_DEPRECATED = {
    "GanModels": "gan_core._compat",
    "get_registry": "gan_core._deprecated",
    "Trainer": "gan_core._deprecated",
}


def __getattr__(name: str) -> Any:
    """gan-core 0.1 names that 0.2 replaced: ``GanModels`` (now :class:`Game`), ``get_registry`` (the
    registry is passed down, never fetched) and the unused ``Trainer`` protocol."""
    if name not in _DEPRECATED:
        if name in _names:
            return _lazy_getattr(name)
        raise AttributeError(f"module 'gan_core' has no attribute {name!r}")
    import importlib

    from gan_core._compat import deprecated

    if name != "get_registry":  # which warns, with its own advice, when it is called
        deprecated(f"gan_core.{name} is gan-core 0.1's")
    return getattr(importlib.import_module(_DEPRECATED[name]), name)
