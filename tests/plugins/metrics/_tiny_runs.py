"""Tiny GAN variants for the metrics plugin's tests, and run directories trained with them.

The plugin's nox session installs no variant plugin, so the tests bring their own: a one-layer
generator (unconditional ``tiny``, conditional ``tiny-cond``) trained for two steps on ``mnist-5k``,
the only offline MNIST, and a one-layer point generator (``tiny-points``) for the toy 2-D sets. The
numbers they earn are bad; what the tests check is that ``gan eval`` and
the Python API measure it the same way, and that the plumbing (cache, metrics.json, errors) works.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import torch
from einops import rearrange
from torch import Tensor, nn
from torch.nn.functional import softplus

import gan_plugin_metrics.plugin
from gan_core import (
    DataInfo,
    EvalContext,
    Game,
    GanTrainer,
    InputSampler,
    LoadedData,
    Noise,
    Registry,
    SourceSamples,
    StepContext,
    StepFn,
    Variant,
    alternating_step,
    create_registry,
    hookimpl,
)
from gan_core.testing import synthetic_data, tiny_run_config


@attrs.frozen
class TinyConfig:
    latent_dim: int = 16
    lr: float = 1e-3


class _Generator(nn.Module):
    def __init__(self, latent_dim: int, shape: tuple[int, ...], num_classes: int | None) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.shape = shape
        self.embed = nn.Embedding(num_classes, latent_dim) if num_classes else None
        self.net = nn.Linear(latent_dim, int(torch.tensor(shape).prod()))

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.embed is not None and y is not None:
            z = z + self.embed(y)
        c, h, w = self.shape
        return rearrange(torch.tanh(self.net(z)), "b (c h w) -> b c h w", c=c, h=h, w=w)


class _Discriminator(nn.Module):
    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.net = nn.Linear(int(torch.tensor(shape).prod()), 1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return rearrange(self.net(x.flatten(1)), "b 1 -> b")


@attrs.frozen
class _Loss:
    relativistic = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return softplus(-real_scores).mean() + softplus(fake_scores).mean()

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return softplus(-fake_scores).mean()


def _game(
    generator: nn.Module, discriminator: nn.Module, lr: float, inputs: InputSampler, step: StepFn = alternating_step
) -> Game:
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=lr),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=lr),
        inputs=inputs,
        loss=_Loss(),
        step=step,
    )


def _builder(conditional: bool) -> Callable[[TinyConfig, DataInfo], Game]:
    def build(config: TinyConfig, info: DataInfo) -> Game:
        classes = info.num_classes if conditional else None
        generator = _Generator(config.latent_dim, info.shape, classes)
        return _game(generator, _Discriminator(info.shape), config.lr, Noise(config.latent_dim, classes))

    return build


class _PointGenerator(nn.Module):
    """Noise to points: one linear map, no squashing (the toy sets are not scaled to [-1, 1])."""

    def __init__(self, latent_dim: int, dim: int) -> None:
        super().__init__()
        self.net = nn.Linear(latent_dim, dim)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(z)


def _points_build(config: TinyConfig, info: DataInfo) -> Game:
    generator = _PointGenerator(config.latent_dim, info.shape[0])
    return _game(generator, _Discriminator(info.shape), config.lr, Noise(config.latent_dim))


TINY = Variant("tiny", TinyConfig, _builder(False), "test variant", data_kinds=frozenset({"image"}))
TINY_POINTS = Variant("tiny-points", TinyConfig, _points_build, "test variant", data_kinds=frozenset({"points"}))
TINY_COND = Variant("tiny-cond", TinyConfig, _builder(True), "test variant", conditional=True)


# --- a translation variant (source images -> target images), measured by its own evaluate ---------


class _Translator(nn.Module):
    def __init__(self, channels_in: int, channels_out: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels_in, channels_out, kernel_size=1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return torch.tanh(self.conv(x))


def _translate_build(config: TinyConfig, info: DataInfo) -> Game:
    generator = _Translator(info.extra["source"].shape[0], info.shape[0])
    return _game(generator, _Discriminator(info.shape), config.lr, SourceSamples("source"), _translate_step)


def _translate_step(ctx: StepContext) -> dict[str, Tensor]:
    target, _ = ctx.next_batch()
    source, _ = ctx.next_batch_from("source")
    d_loss = ctx.loss.discriminator_loss(ctx.discriminator(target), ctx.discriminator(ctx.generator(source).detach()))
    ctx.d_optimizer.zero_grad()
    ctx.backward(d_loss)
    ctx.d_optimizer.step()
    with ctx.frozen_discriminator():
        g_loss = ctx.loss.generator_loss(None, ctx.discriminator_module(ctx.generator(source)))
        ctx.g_optimizer.zero_grad()
        ctx.backward(g_loss)
        ctx.g_optimizer.step()
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


def _two_domains(config: Any, options: Any, registry: Any) -> LoadedData:
    target = synthetic_data((1, 8, 8), n=32, seed=0)
    return LoadedData(target.dataset, target.info, extra={"source": synthetic_data((3, 8, 8), n=32, seed=1)})


def _mean_output(ctx: EvalContext) -> dict[str, float]:
    """The translated source samples' mean: a stand-in for a measure such as DTN's transfer accuracy."""
    source = ctx.data.extra["source"].dataset.x[:16]  # type: ignore[attr-defined]
    return {"mean_output": float(ctx.generator(source.to(ctx.accelerator.device)).mean())}


TINY_TRANSLATE = Variant(
    "tiny-translate",
    TinyConfig,
    _translate_build,
    "test variant",
    load_data=_two_domains,
    evaluate=_mean_output,
)


@hookimpl
def gan_register_variants(register: Callable[[Variant], None]) -> None:
    register(TINY)
    register(TINY_COND)
    register(TINY_TRANSLATE)
    register(TINY_POINTS)


def make_registry() -> Registry:
    """The core, this plugin and the tiny variants, nothing that happens to be installed."""
    return create_registry(plugins=[gan_plugin_metrics.plugin, sys.modules[__name__]], entry_points=False)


def train_tiny(out: Path, registry: Registry, *, conditional: bool = False, **overrides: Any) -> Path:
    """A two-step run on mnist-5k in ``out``; returns ``out``."""
    variant = TINY_COND if conditional else TINY
    config = tiny_run_config(variant, **{"train.dataset": "mnist-5k", **overrides})
    GanTrainer(variant, config, out, registry=registry).fit()
    return out


def train_points(out: Path, registry: Registry, dataset: str = "ring8", **overrides: Any) -> Path:
    """A two-step run of the tiny point generator on a toy 2-D set in ``out``; returns ``out``."""
    config = tiny_run_config(TINY_POINTS, **{"train.dataset": dataset, **overrides})
    GanTrainer(TINY_POINTS, config, out, registry=registry).fit()
    return out


if __name__ == "__main__":  # ``gan`` with the tiny variants registered, for launchers: torchrun _tiny_runs.py eval ...
    from gan_core.cli import main

    raise SystemExit(main(sys.argv[1:], registry=make_registry()))
