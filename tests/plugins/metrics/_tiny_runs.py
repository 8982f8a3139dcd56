"""Tiny GAN variants for the metrics plugin's tests, and run directories trained with them.

The plugin's nox session installs no variant plugin, so the tests bring their own: a one-layer
generator (unconditional ``tiny``, conditional ``tiny-cond``) trained for two steps on ``mnist-5k``,
the only offline MNIST. The numbers it earns are bad; what the tests check is that ``gan eval`` and
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
from gan_core import DataInfo, GanModels, GanTrainer, Registry, Variant, create_registry, hookimpl
from gan_core.testing import tiny_run_config


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
    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return softplus(-real_scores).mean() + softplus(fake_scores).mean()

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return softplus(-fake_scores).mean()

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> None:
        return None


def _builder(conditional: bool) -> Callable[[TinyConfig, DataInfo], GanModels]:
    def build(config: TinyConfig, info: DataInfo) -> GanModels:
        generator = _Generator(config.latent_dim, info.shape, info.num_classes if conditional else None)
        discriminator = _Discriminator(info.shape)
        return GanModels(
            generator,
            discriminator,
            _Loss(),
            torch.optim.Adam(generator.parameters(), lr=config.lr),
            torch.optim.Adam(discriminator.parameters(), lr=config.lr),
        )

    return build


TINY = Variant("tiny", TinyConfig, _builder(False), "test variant", data_kinds=frozenset({"image"}))
TINY_COND = Variant("tiny-cond", TinyConfig, _builder(True), "test variant", conditional=True)


@hookimpl
def gan_register_variants(register: Callable[[Variant], None]) -> None:
    register(TINY)
    register(TINY_COND)


def make_registry() -> Registry:
    """The core, this plugin and the tiny variants, nothing that happens to be installed."""
    return create_registry(plugins=[gan_plugin_metrics.plugin, sys.modules[__name__]], entry_points=False)


def train_tiny(out: Path, registry: Registry, *, conditional: bool = False, **overrides: Any) -> Path:
    """A two-step run on mnist-5k in ``out``; returns ``out``."""
    variant = TINY_COND if conditional else TINY
    config = tiny_run_config(variant, **{"train.dataset": "mnist-5k", **overrides})
    GanTrainer(variant, config, out, registry=registry).fit()
    return out


if __name__ == "__main__":  # ``gan`` with the tiny variants registered, for launchers: torchrun _tiny_runs.py eval ...
    from gan_core import plugins
    from gan_core.cli import main

    plugins._DEFAULT = make_registry()
    raise SystemExit(main(sys.argv[1:]))
