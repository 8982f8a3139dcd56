"""The Domain Transfer Network (Taigman, Polyak and Wolf, ICLR 2017) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

try:
    __version__ = version("gan-plugin-dtn")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

# every name is imported on first use (the stub __init__.pyi lists them), so that registering the
# plugin, which every `gan` command does, imports no torch
__getattr__, __dir__, _names = lazy_loader.attach_stub(__name__, __file__)
__all__ = [*_names, "__version__"]
