"""``tiny-translate``: a translation variant (source images -> target images) for the core's tests.

It exercises what DTN-like variants need from the core: a second, resumable data stream
(``LoadedData.extra``), a generator that reads source samples instead of noise
(``SourceSamples``), a variant-supplied ``load_data`` and its own step with a three-way
discriminator.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from core_tiny import LogitBCELoss, TinyConfig
from torch import Tensor, nn
from torch.nn import functional as F

from gan_core import (
    DataInfo,
    DataOptions,
    DatasetCatalog,
    Game,
    LoadedData,
    RunConfig,
    SourceSamples,
    StepContext,
    Variant,
)
from gan_core.testing import synthetic_data

SOURCE_SHAPE = (3, 4, 4)
TARGET_SHAPE = (1, 4, 4)


class Translator(nn.Module):
    """A 1x1 convolution from the source's channels to the target's; grey inputs (the target domain's
    own images, as DTN also translates them) are repeated across the source's channels."""

    def __init__(self, source: DataInfo, target: DataInfo) -> None:
        super().__init__()
        self.conv = nn.Conv2d(source.shape[0], target.shape[0], kernel_size=1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return torch.tanh(self.conv(x.expand(-1, self.conv.in_channels, -1, -1)))


class ThreeWay(nn.Module):
    """Scores a target-domain image as: translated source (0), translated target (1) or real (2)."""

    def __init__(self, target: DataInfo, hidden: int) -> None:
        super().__init__()
        size = target.shape[0] * target.shape[1] * target.shape[2]
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(size, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 3))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(x)


def build(config: TinyConfig, data: DataInfo) -> Game:
    generator = Translator(data.extra["source"], data)
    discriminator = ThreeWay(data, config.hidden)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=config.lr),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=config.lr),
        inputs=SourceSamples("source"),
        loss=LogitBCELoss(),
        step=step,
    )


def _ce(logits: Tensor, label: int) -> Tensor:
    return F.cross_entropy(logits, torch.full((len(logits),), label, dtype=torch.long, device=logits.device))


def step(ctx: StepContext) -> Mapping[str, Tensor]:
    target, _ = ctx.next_batch()
    source, _ = ctx.next_batch_from("source")
    from_source, from_target = ctx.generator(source), ctx.generator(target)
    D = ctx.discriminator
    d_loss = _ce(D(from_source.detach()), 0) + _ce(D(from_target.detach()), 1) + _ce(D(target), 2)
    ctx.d_optimizer.zero_grad(set_to_none=True)
    ctx.backward(d_loss)
    ctx.d_optimizer.step()
    with ctx.frozen_discriminator():
        g_loss = _ce(ctx.discriminator_module(from_source), 2) + _ce(ctx.discriminator_module(from_target), 2)
        ctx.g_optimizer.zero_grad(set_to_none=True)
        ctx.backward(g_loss)
        ctx.g_optimizer.step()
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


def two_domains(n: int = 40) -> LoadedData:
    target = synthetic_data(TARGET_SHAPE, n=n, num_classes=4, seed=0)
    source = synthetic_data(SOURCE_SHAPE, n=n + 8, num_classes=4, seed=1)
    return LoadedData(target.dataset, target.info, extra={"source": source})


def load_data(config: RunConfig, options: DataOptions, datasets: DatasetCatalog) -> LoadedData:
    return two_domains()


TRANSLATE = Variant(
    name="tiny-translate",
    config_cls=TinyConfig,
    build=build,
    load_data=load_data,
    description="a 1x1-convolution translator with a three-way discriminator, for the core's tests",
    train_defaults={"batch_size": 8, "steps": 4, "log_every": 1, "sample_every": 0, "grid_size": 8, "progress": False},
)
