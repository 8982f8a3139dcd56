"""Wasserstein GAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

try:
    __version__ = version("gan-plugin-wgan")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

# every name is imported on first use (the stub __init__.pyi lists them), so that registering the
# plugin, which every `gan` command does, imports no torch
_lazy_getattr, __dir__, _names = lazy_loader.attach_stub(__name__, __file__)
__all__ = [*_names, "__version__"]


def __getattr__(name: str) -> object:
    """The exported names, imported on first use; and 0.1 names kept through 0.2 with a warning (see
    :mod:`gan_plugin_wgan.losses`)."""
    if name in _names:
        return _lazy_getattr(name)
    from gan_plugin_wgan import losses

    return getattr(losses, name)
