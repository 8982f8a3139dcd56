"""``inception-fid``: the InceptionV3 that FID is defined with (Heusel et al. 2017, TF-FID's graph).

FID's network is not torchvision's ImageNet InceptionV3: it is the 2015-12-05 TensorFlow graph, whose
blocks differ from the paper's in three places, and every FID number in the literature depends on them:

* in the ``A``, ``C`` and first ``E`` blocks (Mixed_5b-d, 6b-e, 7b) the pooling branch averages over
  the window *without* the zero padding (``count_include_pad=False``);
* in the last ``E`` block (Mixed_7c) that branch max-pools instead of averaging;
* the classifier has 1008 outputs (the graph's 1,000 classes plus 8 unused ones).

Everything else is torchvision's Inception3 (its ``BasicConv2d`` and the ``B``/``D`` blocks are used
as they are), with the same attribute names, so the weights that pytorch-fid converted from the TF
graph (``pt_inception-2015-12-05-6726825d.pth``) load with ``strict=True``. Features are the 2048-d
average-pooled output of Mixed_7c ("pool3"); logits are ``fc`` of them. Input: 299x299 RGB in
``[0, 1]``, scaled to ``[-1, 1]`` (as pytorch-fid does).
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
import warnings
from pathlib import Path

import torch
from einops import reduce
from torch import Tensor, nn
from torch.nn import functional as F
from torchvision.models.inception import BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE

from gan_core import atomic_write
from gan_plugin_metrics.features.base import Extracted, WeightsUnavailableError, describe_load_error

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_FILE}"
#: a path to the weights file, used when no ``weights`` option is given
WEIGHTS_ENV = "GAN_INCEPTION_WEIGHTS"
#: set to 1 to never try the download (the error then says where to put the file at once)
OFFLINE_ENV = "GAN_METRICS_OFFLINE"
INPUT_SIZE = 299
_DOWNLOAD_TIMEOUT_S = 60


class FIDInceptionA(InceptionA):
    """Mixed_5b-d: the pooling branch averages without the padding."""

    def _forward(self, x: Tensor) -> list[Tensor]:
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return [self.branch1x1(x), branch5x5, branch3x3dbl, self.branch_pool(pooled)]


class FIDInceptionC(InceptionC):
    """Mixed_6b-e: the pooling branch averages without the padding."""

    def _forward(self, x: Tensor) -> list[Tensor]:
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = x
        for conv in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4):
            branch7x7dbl = conv(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_5(branch7x7dbl)
        pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return [self.branch1x1(x), branch7x7, branch7x7dbl, self.branch_pool(pooled)]


class FIDInceptionE(InceptionE):
    """Mixed_7b (``pool="avg"``, without the padding) and Mixed_7c (``pool="max"``)."""

    def __init__(self, in_channels: int, pool: str) -> None:
        super().__init__(in_channels)
        if pool not in ("avg", "max"):
            raise ValueError(f"pool must be 'avg' or 'max', got {pool!r}")
        self.pool = pool

    def _forward(self, x: Tensor) -> list[Tensor]:
        stem3x3 = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(stem3x3), self.branch3x3_2b(stem3x3)], 1)
        stem3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat([self.branch3x3dbl_3a(stem3x3dbl), self.branch3x3dbl_3b(stem3x3dbl)], 1)
        if self.pool == "avg":
            pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        else:
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        return [self.branch1x1(x), branch3x3, branch3x3dbl, self.branch_pool(pooled)]


class FIDInceptionV3(nn.Module):
    """InceptionV3 with TF-FID's blocks; attribute names as in torchvision's ``Inception3``."""

    def __init__(self, num_classes: int = 1008) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = FIDInceptionA(192, pool_features=32)
        self.Mixed_5c = FIDInceptionA(256, pool_features=64)
        self.Mixed_5d = FIDInceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
        self.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
        self.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
        self.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = FIDInceptionE(1280, pool="avg")
        self.Mixed_7c = FIDInceptionE(2048, pool="max")
        self.fc = nn.Linear(2048, num_classes)

    def features(self, x: Tensor) -> Tensor:
        """pool3: ``(N, 2048)`` from ``(N, 3, 299, 299)`` input already scaled to ``[-1, 1]``."""
        for name, block in self.named_children():
            if name == "fc":
                break
            x = block(x)
        return reduce(x, "n c h w -> n c", "mean")

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.features(x))


class InceptionExtractor:
    """The :class:`~gan_plugin_metrics.features.FeatureExtractor` over :class:`FIDInceptionV3`."""

    name = "inception-fid"
    input_size = INPUT_SIZE
    channels = 3
    feature_dim = 2048
    num_classes: int | None = 1008

    def __init__(self, model: FIDInceptionV3, weights_id: str, device: torch.device) -> None:
        # channels-last: oneDNN's and cuDNN's fast convolution layout (1.5x the images/s on a CPU)
        self.model = model.to(device, memory_format=torch.channels_last).eval()
        self.weights_id = weights_id
        self.device = device

    @torch.no_grad()
    def extract(self, images: Tensor) -> Extracted:
        x = (images.to(self.device, torch.float32) * 2 - 1).contiguous(memory_format=torch.channels_last)
        features = self.model.features(x)
        return Extracted(features.float(), self.model.fc(features).float())


def hub_weights_path() -> Path:
    """Where torch hub (and so pytorch-fid) keeps the downloaded weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def _download(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)

    def fetch(partial: Path) -> None:
        with urllib.request.urlopen(WEIGHTS_URL, timeout=_DOWNLOAD_TIMEOUT_S) as response, partial.open("wb") as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        expected = WEIGHTS_FILE.rsplit("-", 1)[1].split(".")[0]  # torch hub's convention: a SHA-256 prefix
        if not digest.startswith(expected):
            raise OSError(f"the download's SHA-256 {digest[:8]}... does not start with {expected}")

    atomic_write(target, fetch)


def resolve_weights(weights: str | Path | None = None) -> Path:
    """The weights file: ``weights``, else ``$GAN_INCEPTION_WEIGHTS``, else the torch hub cache, else a
    download into that cache. A one-line :class:`WeightsUnavailableError` says where to put the file."""
    given = weights if weights is not None else os.environ.get(WEIGHTS_ENV) or None
    if given is not None:
        path = Path(given).expanduser()
        if not path.is_file():
            source = "--weights" if weights is not None else f"${WEIGHTS_ENV}"
            raise WeightsUnavailableError(f"inception-fid weights: {source} names {path}, which is not a file")
        return path
    cached = hub_weights_path()
    if cached.is_file():
        return cached
    where = (
        f"download {WEIGHTS_URL} and copy it to {cached}, or pass --weights PATH (Python: weights=PATH) "
        f"or set {WEIGHTS_ENV}=PATH"
    )
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        raise WeightsUnavailableError(f"inception-fid weights: {cached} is missing and {OFFLINE_ENV} is set; {where}")
    try:
        _download(cached)
    except Exception as error:  # DNS, HTTP, timeouts, a truncated file: the remedy is the same
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WeightsUnavailableError(
            f"inception-fid weights: {cached} is missing and the download failed ({reason}); {where}"
        ) from None
    return cached


def load_state(path: Path) -> dict[str, Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    with warnings.catch_warnings():  # a file that is not weights gets one line from us, not torch's notes
        warnings.simplefilter("ignore", UserWarning)
        return torch.load(path, map_location="cpu", weights_only=True)


def load_inception(
    *, weights: str | Path | None = None, device: str | torch.device = "cpu", **_: object
) -> InceptionExtractor:
    """The ``inception-fid`` extractor (see :func:`resolve_weights` for where the weights come from)."""
    path = resolve_weights(weights)
    model = FIDInceptionV3()
    try:
        model.load_state_dict(load_state(path), strict=True)
    except Exception as error:  # a pickle torch refuses, not safetensors, other tensors, a damaged file, ...
        first = describe_load_error(error)
        raise WeightsUnavailableError(
            f"inception-fid weights: {path} is not a FID InceptionV3 state dict ({first})"
        ) from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return InceptionExtractor(model, weights_id=digest, device=torch.device(device))
