"""gan serve: trained runs as a local web demo (a page that works offline) and a small HTTP API."""

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

try:
    __version__ = version("gan-plugin-serve")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

# names are imported on first use (the stub __init__.pyi lists them), so that registering the
# plugin, which every `gan` command does, imports neither torch nor the web stack
__getattr__, __dir__, _names = lazy_loader.attach_stub(__name__, __file__)
__all__ = [*_names, "__version__"]
