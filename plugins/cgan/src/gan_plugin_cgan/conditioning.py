"""How a class label enters a network: as a vector beside ``z`` or beside a flattened sample, as
constant label maps beside an image's channels, or through a projection (see :mod:`.networks`).

Three ways of turning a label into numbers, the three conditioning modes of this plugin:

* ``"one-hot"``: the paper's (Mirza and Osindero 2014, section 4.1): ``y`` as a one-hot vector of
  ``num_classes`` entries, nothing learned;
* ``"embedding"``: a learned table ``nn.Embedding(num_classes, dim)``, the common practice since
  (AC-GAN implementations, PyTorch-GAN's ``cgan.py``); its rows start at N(0, 1), the scale of ``z``
  and of pixels, so the label is as loud as the rest of the input from the first step;
* ``"projection"``: the discriminator takes ``y`` through an inner product with its features instead
  (Miyato and Koyama 2018); the generator then uses an embedding, as ``"embedding"`` does.
"""

from __future__ import annotations

import torch
from einops import rearrange, repeat
from torch import Tensor, nn
from torch.nn import functional as F

#: the conditioning modes, the values of ``CGANConfig.conditioning``
MODES = ("one-hot", "embedding", "projection")


def check_labels(y: Tensor | None, num_classes: int) -> Tensor:
    """``y`` as int64 class indices, or a one-line error if it is missing, not integers, or outside
    ``[0, num_classes)``.

    On the CPU the range is checked at once (a ``ValueError`` naming the first bad label); on an
    accelerator it is checked by an asynchronous device assertion, so that training never waits for a
    device-to-host copy on every forward pass.
    """
    if y is None:
        raise ValueError("a conditional network needs labels y: call it as net(z_or_x, y)")
    if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise ValueError(f"labels must be integer class indices, got dtype {y.dtype}")
    if y.dim() != 1:
        raise ValueError(f"labels must be one class index per sample, shape (batch,), got {tuple(y.shape)}")
    y = y.long()
    outside = (y < 0) | (y >= num_classes)
    if y.device.type == "cpu":
        if bool(outside.any()):
            raise ValueError(f"labels must be in [0, {num_classes - 1}], got {int(y[outside][0])}")
    else:
        torch._assert_async(~outside.any(), f"labels must be in [0, {num_classes - 1}]")
    return y


class LabelCode(nn.Module):
    """``y -> (batch, out_dim)``: a one-hot vector (``embed_dim=None``) or a learned embedding."""

    def __init__(self, num_classes: int, embed_dim: int | None = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.embedding = None if embed_dim is None else nn.Embedding(num_classes, embed_dim)
        self.out_dim = num_classes if embed_dim is None else embed_dim

    def forward(self, y: Tensor) -> Tensor:
        y = check_labels(y, self.num_classes)
        if self.embedding is None:
            return F.one_hot(y, self.num_classes).float()
        return self.embedding(y)  # type: ignore[no-any-return]


class ConcatToVector(nn.Module):
    """``(x, y) -> [flatten(x), code(y)]``: the paper's input layer for MLPs (and the generator's
    ``[z, code(y)]``, where ``x`` is ``z``)."""

    def __init__(self, code: LabelCode) -> None:
        super().__init__()
        self.code = code

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        flat = rearrange(x, "b ... -> b (...)")
        return torch.cat([flat, self.code(y).to(flat.dtype)], dim=1)


class ConcatLabelMaps(nn.Module):
    """``(x, y) -> [x, label maps]`` along channels, for convolutional discriminators.

    A one-hot code becomes ``num_classes`` constant maps (map ``c`` is 1 everywhere iff ``y = c``),
    the usual way to feed the paper's ``y`` to a convolution; an embedding code of ``H * W`` entries
    is reshaped into one learned ``H x W`` map per class.
    """

    def __init__(self, code: LabelCode, height: int, width: int) -> None:
        super().__init__()
        self.code, self.height, self.width = code, height, width
        self.spread = code.embedding is None
        if not self.spread and code.out_dim != height * width:
            raise ValueError(
                f"an embedding map needs {height} x {width} = {height * width} entries, got {code.out_dim}"
            )
        self.extra_channels = code.out_dim if self.spread else 1

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        code = self.code(y).to(x.dtype)
        if self.spread:
            maps = repeat(code, "b k -> b k h w", h=self.height, w=self.width)
        else:
            maps = rearrange(code, "b (h w) -> b 1 h w", h=self.height, w=self.width)
        return torch.cat([x, maps], dim=1)
