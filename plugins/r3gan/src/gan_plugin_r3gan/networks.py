"""R3GAN's networks at small scale: normalisation-free residual stages with grouped convolutions.

Huang, Gokaslan, Kuleshov and Tompkin (NeurIPS 2024), "The GAN is dead; long live the GAN! A Modern
GAN Baseline", section 3 ("a roadmap to a new baseline") strip StyleGAN2 of its tricks and modernise
the backbone after ResNeXt and ConvNeXt. What this module keeps of it:

* every stage is a resampling layer and residual blocks ``1x1 conv -> bias, LeakyReLU(0.2) -> grouped
  3x3 conv -> bias, LeakyReLU(0.2) -> 1x1 conv``, widened by an expansion factor inside the block;
* no normalisation layer anywhere: instead fix-up initialisation (Zhang et al. 2019), the last layer
  of each block starts at zero and the others' weights are scaled by ``L ** (-1 / (2m - 2))`` for
  ``L`` blocks of ``m = 3`` layers, so the network starts as an identity map of its stem;
* weights from ``N(0, gain^2 / fan_in)`` (He et al. 2015's MSR initialisation), with LeakyReLU's gain;
* resampling by a fixed low-pass filter (``[1, 2, 1]``, applied as ``[1, 3, 3, 1]`` at stride 2)
  with 1x1 convolutions where the width changes;
* the generator's stem is a learned constant basis of the small map, scaled per channel by a linear
  map of ``z``; the discriminator's head is a depthwise convolution over the small map and a linear
  map to the score.

Two departures, both for this library's conventions. The generator's output, R3GAN's plain 1x1
convolution, is clamped into the data's value range (every generator here keeps to it), by a clamp
that passes gradients which point back into the range: R3GAN's discriminator sees an output outside
the range and pushes it back, and the clamp keeps that push, where ``tanh`` (tried first) saturated on
Stacked MNIST's black backgrounds within 500 steps and left the generator without a gradient. And the
small map is 4 to 7 pixels (28-pixel digits start from 7x7), as the core's DCGAN stacks size themselves.
Three more are settings: a full linear stem (``stem="linear"``) and a minibatch standard deviation in
the discriminator (``mbstd_group``), what DCGAN's networks have and R3GAN's lack, measured on Stacked
MNIST for the channels' dependence and the plugin's defaults since 2026-12-06 (these classes' own
defaults stay R3GAN's), and PacGAN's packing (``pack``, off), measured there for the digits each
channel draws too often or too rarely, and worse over three seeds (docs/results.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from einops import rearrange
from torch import Tensor, nn
from torch.nn import functional as F

from gan_core.backbones import ValueRange, conv_plan
from gan_core.errors import ConfigError

LEAKY_SLOPE = 0.2
LEAKY_GAIN = math.sqrt(2 / (1 + LEAKY_SLOPE**2))  # He et al. 2015's gain for a leaky ReLU
LAYERS_PER_BLOCK = 3
RESAMPLING_FILTER = (1.0, 2.0, 1.0)


def msr_init_(layer: nn.Conv2d | nn.Linear, gain: float = 1.0) -> nn.Module:
    """Weights from ``N(0, gain^2 / fan_in)`` (He et al. 2015's MSR initialisation)."""
    fan_in = layer.weight.shape[1] * layer.weight[0][0].numel()
    nn.init.normal_(layer.weight, 0.0, gain / math.sqrt(fan_in))
    return layer


def _conv(c_in: int, c_out: int, kernel: int, groups: int = 1, gain: float = 1.0, bias: bool = False) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, kernel, padding=(kernel - 1) // 2, groups=groups, bias=bias)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
    return msr_init_(conv, gain)  # type: ignore[return-value]


class ResidualBlock(nn.Module):
    """``x + conv1x1(act(grouped conv3x3(act(conv1x1(x)))))``, the last convolution starting at zero.

    R3GAN adds a bias before each activation; here the convolution before it carries the bias, which
    is the same function, and the convolution adds it in its own pass over the tensor (a quarter of a
    step saved on a CPU, where these small layers are bound by memory, not arithmetic)."""

    def __init__(self, channels: int, cardinality: int, expansion: int, total_blocks: int) -> None:
        super().__init__()
        inner = channels * expansion
        gain = LEAKY_GAIN * total_blocks ** (-1 / (2 * LAYERS_PER_BLOCK - 2))  # fix-up scaling
        self.expand = _conv(channels, inner, 1, gain=gain, bias=True)
        self.spatial = _conv(inner, inner, 3, groups=cardinality, gain=gain, bias=True)
        self.project = _conv(inner, channels, 1, gain=0.0)

    def forward(self, x: Tensor) -> Tensor:
        y = F.leaky_relu(self.expand(x), LEAKY_SLOPE, inplace=True)
        y = F.leaky_relu(self.spatial(y), LEAKY_SLOPE, inplace=True)
        return x + self.project(y)


def _lowpass(taps: Sequence[float]) -> Tensor:
    """The separable 2-D filter ``(f * [1, 1]) (f * [1, 1])^T``, normalised to sum 1."""
    row = torch.tensor(list(taps))
    row = torch.nn.functional.conv1d(row.view(1, 1, -1), torch.ones(1, 1, 2), padding=1).flatten()
    kernel = torch.outer(row, row)
    return kernel / kernel.sum()


class Resample(nn.Module):
    """Double or halve the resolution with the fixed low-pass filter, channel by channel (a depthwise
    convolution: on a CPU ten times as fast as folding the channels into the batch); a 1x1 convolution
    changes the width (before upsampling, after downsampling, where it is cheaper)."""

    def __init__(self, c_in: int, c_out: int, up: bool) -> None:
        super().__init__()
        self.up = up
        channels = c_out if up else c_in  # the width the filter runs at
        kernel = _lowpass(RESAMPLING_FILTER) * (4.0 if up else 1.0)  # upsampling spreads each pixel over four
        self.register_buffer("kernel", kernel.expand(channels, 1, 4, 4).contiguous(), persistent=False)
        self.width = _conv(c_in, c_out, 1) if c_in != c_out else None

    def forward(self, x: Tensor) -> Tensor:
        if self.up:
            if self.width is not None:
                x = self.width(x)
            return F.conv_transpose2d(x, self.kernel, stride=2, padding=1, groups=x.shape[1])
        x = F.conv2d(x, self.kernel, stride=2, padding=1, groups=x.shape[1])
        return self.width(x) if self.width is not None else x


class _InwardClamp(torch.autograd.Function):
    """``clamp(x, low, high)`` whose backward pass keeps the gradient of an element outside the range
    where a descent step would move it back in, and drops it where the step would move it further out."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: Tensor, low: float, high: float) -> Tensor:
        ctx.save_for_backward(x)
        ctx.bounds = (low, high)  # type: ignore[attr-defined]
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor, None, None]:
        (x,) = ctx.saved_tensors  # type: ignore[attr-defined]
        low, high = ctx.bounds  # type: ignore[attr-defined]
        outward = ((x < low) & (grad > 0)) | ((x > high) & (grad < 0))  # descent moves x by -grad
        return grad.masked_fill(outward, 0.0), None, None


def inward_clamp(x: Tensor, low: float, high: float) -> Tensor:
    """``x`` clamped into ``[low, high]``, differentiable towards the range (see :class:`_InwardClamp`)."""
    return _InwardClamp.apply(x, low, high)  # type: ignore[no-any-return]


class MinibatchStd(nn.Module):
    """Append the features' standard deviation over small groups of samples as extra channels.

    Karras et al. (2018, ProGAN) and StyleGAN2 give the discriminator this one batch-level statistic so
    that a generator drawing too little variety is visible in every sample it draws; R3GAN drops it.
    Sample ``i`` of a batch of ``n`` is grouped with ``i + n/g``, ``i + 2n/g``, ... (StyleGAN2's layout),
    ``g`` being the largest divisor of ``n`` up to ``group_size``; the ``c`` channels are split into
    ``channels`` sets, and each set's deviation, averaged over its channels and pixels, is one channel."""

    def __init__(self, group_size: int, channels: int = 1) -> None:
        super().__init__()
        self.group_size, self.channels = group_size, channels

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        group = max(g for g in range(1, min(self.group_size, n) + 1) if n % g == 0)
        y = x.reshape(group, n // group, self.channels, c // self.channels, h, w)
        y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt()  # per group: (n/g, channels, c/channels, h, w)
        y = y.mean(dim=(2, 3, 4)).repeat(group, 1)  # (n, channels): each sample gets its group's value
        return torch.cat([x, rearrange(y, "n f -> n f 1 1").expand(n, self.channels, h, w)], dim=1)


def _blocks(width: int, count: int, cardinality: int, expansion: int, total: int) -> list[nn.Module]:
    return [ResidualBlock(width, cardinality, expansion, total) for _ in range(count)]


class R3Generator(nn.Module):
    """``z -> basis (start x start) * linear(z) -> [blocks, upsample]* -> blocks -> 1x1 conv -> clamp``;
    ``stem="linear"`` replaces the basis by a full linear map of ``z`` onto the small map, as DCGAN's."""

    def __init__(
        self,
        latent_dim: int,
        shape: Sequence[int],
        widths: Sequence[int],
        blocks: int,
        cardinality_width: int,
        expansion: int,
        value_range: tuple[float, float] = (-1.0, 1.0),
        stem: str = "basis",
    ) -> None:
        super().__init__()
        plan = conv_plan(shape, 1)
        self.latent_dim, self.start = latent_dim, plan.start
        stages = plan.doublings + 1
        widths = _stage_widths(widths, stages)
        total = blocks * stages
        self.stem = stem
        if stem == "basis":  # R3GAN: one learned pattern per channel, scaled by a linear map of z
            self.basis = nn.Parameter(torch.randn(widths[0], plan.start, plan.start))
            self.scale = msr_init_(nn.Linear(latent_dim, widths[0], bias=False))
        else:  # DCGAN's projection: every pixel of every channel its own linear map of z
            self.project = msr_init_(nn.Linear(latent_dim, widths[0] * plan.start**2, bias=False))
        layers: list[nn.Module] = []
        for index, width in enumerate(widths):
            if index:
                layers.append(Resample(widths[index - 1], width, up=True))
            layers += _blocks(width, blocks, width * expansion // cardinality_width, expansion, total)
        self.body = nn.Sequential(*layers)
        self.to_image = _conv(widths[-1], shape[0], 1)
        self.value_range = ValueRange(*value_range)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.stem == "basis":
            x = self.basis[None] * rearrange(self.scale(z), "b c -> b c 1 1")
        else:
            x = rearrange(self.project(z), "b (c h w) -> b c h w", h=self.start, w=self.start)
        x = x.contiguous(memory_format=torch.channels_last)  # oneDNN's fast layout: ~20% per step on a CPU
        image = self.value_range.from_unit(self.to_image(self.body(x)))  # centred on the range
        return inward_clamp(image, self.value_range.low, self.value_range.high).contiguous()


class R3Discriminator(nn.Module):
    """``x -> 1x1 conv -> [blocks, downsample]* -> blocks -> depthwise conv (start x start) -> linear``:
    one raw score per sample (the relativistic loss reads differences of scores). With ``mbstd_group``
    the small map's stage starts by appending :class:`MinibatchStd`'s channels and merging them back
    into its width with a 1x1 convolution, so that its blocks read them.

    With ``pack = m > 1`` the discriminator scores ``m`` consecutive samples of the batch at once, their
    channels stacked (Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial
    networks"): a generator that draws some modes too often shows it in how often a pack repeats one,
    which a discriminator of single samples cannot see. Each sample gets its pack's score, so the
    core's losses (means over the batch) are PacGAN's means over packs exactly. R1 and R2 (a mean over
    samples of the gradient of the summed scores) come out ``m`` times PacGAN's penalty on a pack:
    ``train.r1 = gamma`` acts on the packed discriminator as ``m * gamma`` would on one that scored
    each pack once. The core's ``g_out_grad`` probe, a sample's gradient times the batch, reads ``m``
    times a pack's (its ratios, which the monitor watches, are unchanged). A batch the pack does not
    divide is refused at the first score, since the builder does not see the batch size."""

    def __init__(
        self,
        shape: Sequence[int],
        widths: Sequence[int],
        blocks: int,
        cardinality_width: int,
        expansion: int,
        mbstd_group: int = 0,
        mbstd_channels: int = 1,
        pack: int = 1,
    ) -> None:
        super().__init__()
        plan = conv_plan(shape, 1)
        stages = plan.doublings + 1
        widths = list(reversed(_stage_widths(widths, stages)))  # fine to coarse
        total = blocks * stages
        self.pack = pack
        self.from_image = _conv(shape[0] * pack, widths[0], 1)
        layers: list[nn.Module] = []
        for index, width in enumerate(widths):
            if mbstd_group and index + 1 == len(widths):
                layers += [MinibatchStd(mbstd_group, mbstd_channels), _conv(width + mbstd_channels, width, 1)]
            layers += _blocks(width, blocks, width * expansion // cardinality_width, expansion, total)
            if index + 1 < len(widths):
                layers.append(Resample(width, widths[index + 1], up=False))
        self.body = nn.Sequential(*layers)
        self.basis = msr_init_(
            nn.Conv2d(widths[-1], widths[-1], plan.start, groups=widths[-1], bias=False)  # type: ignore[arg-type]
        )
        self.head = msr_init_(nn.Linear(widths[-1], 1, bias=False))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        if self.pack > 1:
            if x.shape[0] % self.pack:
                raise ConfigError(
                    "model.pack",
                    f"a batch of {x.shape[0]} samples does not split into packs of {self.pack}: "
                    f"give train.batch_size (per process) a multiple of {self.pack}",
                )
            x = rearrange(x, "(b m) c h w -> b (m c) h w", m=self.pack)
        x = x.contiguous(memory_format=torch.channels_last)
        features = rearrange(self.basis(self.body(self.from_image(x))), "b c 1 1 -> b c")
        scores = rearrange(self.head(features), "b 1 -> b")
        return scores.repeat_interleave(self.pack) if self.pack > 1 else scores


def _stage_widths(widths: Sequence[int], stages: int) -> list[int]:
    """The widths from the small map to the image: as given, the last repeated for further stages."""
    return [widths[min(index, len(widths) - 1)] for index in range(stages)]
