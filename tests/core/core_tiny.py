"""``tiny``: a two-layer MLP GAN (logit BCE loss, Adam) on points or small images, for the core's tests.

It is a plugin module in its own right (it has a ``gan_register_variants`` hook), so the same file
serves in-process tests (``create_registry(plugins=[core_tiny], entry_points=False)``) and the
subprocess tests, where a hand-written ``*.dist-info`` installs it as an entry point.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import attrs
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from gan_core import DataInfo, Game, Noise, Variant, hookimpl, positive

#: train settings that keep a run to a fraction of a second
TRAIN_DEFAULTS = {
    "dataset": "ring8",
    "steps": 4,
    "batch_size": 16,
    "log_every": 1,
    "sample_every": 0,
    "checkpoint_every": 0,
    "grid_size": 16,
    "progress": False,
    "adaptive_threads": False,  # tests compare runs bit for bit; the load must not change the thread count
}


@attrs.frozen(kw_only=True)
class TinyConfig:
    latent_dim: int = attrs.field(default=4, validator=positive, metadata={"help": "dimension of the noise"})
    hidden: int = attrs.field(default=16, validator=positive, metadata={"help": "width of both networks' hidden layer"})
    lr: float = attrs.field(default=1e-3, validator=positive, metadata={"help": "Adam's learning rate"})
    betas: list[float] = attrs.field(factory=lambda: [0.5, 0.999], metadata={"help": "Adam's beta1 and beta2"})
    activation: str = attrs.field(default="relu", metadata={"help": "unused: a plain string setting"})
    bias: bool = attrs.field(default=True, metadata={"help": "whether the linear layers have biases"})
    seed: int = attrs.field(  # shares its name with train.seed, so a bare ``seed`` key is ambiguous
        default=0, metadata={"help": "unused: shares its name with train.seed"}
    )


class TinyGenerator(nn.Module):
    def __init__(self, latent_dim: int, hidden: int, shape: tuple[int, ...], squash: bool, bias: bool) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.shape = shape
        self.squash = squash
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden, bias=bias), nn.ReLU(), nn.Linear(hidden, math.prod(shape), bias=bias)
        )

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        out = self.net(z).view(len(z), *self.shape)
        return torch.tanh(out) if self.squash else out


class TinyDiscriminator(nn.Module):
    def __init__(self, hidden: int, shape: tuple[int, ...], bias: bool) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(shape), hidden, bias=bias), nn.LeakyReLU(0.2), nn.Linear(hidden, 1)
        )

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(x).squeeze(1)


class LogitBCELoss:
    """Goodfellow et al.'s objective on logits, with the non-saturating generator loss."""

    relativistic = False

    def discriminator_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        real = F.binary_cross_entropy_with_logits(real_scores, torch.ones_like(real_scores))
        fake = F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
        return real + fake

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(fake_scores, torch.ones_like(fake_scores))


def build(config: TinyConfig, data: DataInfo) -> Game:
    generator = TinyGenerator(config.latent_dim, config.hidden, data.shape, data.kind == "image", config.bias)
    discriminator = TinyDiscriminator(config.hidden, data.shape, config.bias)
    betas = (config.betas[0], config.betas[1])
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=betas),
        inputs=Noise(config.latent_dim),
        loss=LogitBCELoss(),
    )


TINY = Variant(
    name="tiny",
    config_cls=TinyConfig,
    build=build,
    description="a two-layer MLP GAN for the core's tests",
    train_defaults=TRAIN_DEFAULTS,
)


@hookimpl
def gan_register_variants(register: Callable[[Variant], None]) -> None:
    register(TINY)
