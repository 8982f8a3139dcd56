"""The Dirac-GAN of Mescheder, Geiger and Nowozin (ICML 2018, section 2.2): the smallest GAN that does
not converge, as a variant (``dirac-gan``) on its own data set (``dirac``).

The data is a single point, x = 0. The generator is one number, theta: every sample it draws is
theta. The discriminator is linear, D(x) = psi * x. The game's only equilibrium is theta = psi = 0,
and simultaneous gradient steps do not reach it: the Jacobian of the gradient field at the
equilibrium has purely imaginary eigenvalues, so (theta, psi) circle it and, with a finite step size,
spiral outwards. D's output on the real point is always sigmoid(0) = 1/2; on the generated point it is
sigmoid(psi * theta), which swings with the cycle: the oscillation the monitor's ``oscillation``
detector looks for. A zero-centred penalty on the real data (``--set r1=...``: gamma/2 psi^2 here)
makes the equilibrium attractive, and the same run converges (docs/theory/failure-modes.md).

Steps are simultaneous: both players' updates read the parameters from before the step (the
generator's update is taken first, against the old psi; the discriminator's then scores the sample
the old theta drew).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import torch
from torch import Tensor, nn

from gan_core import DataInfo, DataOptions, DatasetSpec, Game, Noise, StepContext, Variant, positive
from gan_core.data import InMemoryDataset, LoadedData

DIRAC_SIZE = 1024  # copies of the point x = 0: one epoch is 1024 / batch_size steps


@attrs.frozen(kw_only=True)
class DiracConfig:
    """The two numbers and the step size. Mescheder et al.'s figure 1 starts near (1, 1)."""

    theta: float = attrs.field(default=1.0, metadata={"help": "the generator's starting point (its only parameter)"})
    psi: float = attrs.field(default=1.0, metadata={"help": "the discriminator's starting slope, D(x) = psi x"})
    lr: float = attrs.field(
        default=0.2, validator=positive, metadata={"help": "the step size of both players' plain gradient steps (SGD)"}
    )
    # the paper's game (its f(t) = -log(1 + exp(-t)) for both players): simultaneous steps spiral out.
    # With "non-saturating" they settle on a small cycle instead (D(G(z)) between about 0.43 and 0.57)
    loss: str = attrs.field(default="minimax", metadata={"help": "any registered loss (`gan plugins` lists them)"})


class DiracGenerator(nn.Module):
    """Every sample is theta, whatever the noise (which is drawn, and ignored, as any generator's)."""

    def __init__(self, theta: float) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.tensor([theta]))

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.theta.expand(z.shape[0], 1)


class DiracDiscriminator(nn.Module):
    """D(x) = psi * x: a score (logit) for each one-dimensional sample."""

    def __init__(self, psi: float) -> None:
        super().__init__()
        self.psi = nn.Parameter(torch.tensor([psi]))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.psi * x[:, 0]


def simultaneous_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """Both players step from the same point: the generator against the old discriminator, the
    discriminator on the sample of the old generator (penalties, such as ``train.r1``, included)."""
    real, y = ctx.next_batch()
    fake = ctx.fake_batch(real.shape[0], y, keep_graph=True)
    g_loss = ctx.update_generator(fake, y, real)
    d_loss, penalty = ctx.update_discriminator(real, fake.detach(), y)
    scalars = {"d_loss": d_loss, "g_loss": g_loss}
    if penalty is not None:
        scalars["penalty"] = penalty
    return scalars


def build(config: DiracConfig, data: DataInfo) -> Game:
    generator, discriminator = DiracGenerator(config.theta), DiracDiscriminator(config.psi)
    return Game(
        generator=generator,
        discriminator=discriminator,
        g_optimizer=torch.optim.SGD(generator.parameters(), lr=config.lr),
        d_optimizer=torch.optim.SGD(discriminator.parameters(), lr=config.lr),
        inputs=Noise(1),
        loss=config.loss,
        step=simultaneous_step,
    )


def load_dirac(_: DataOptions) -> LoadedData:
    """The point x = 0, ``DIRAC_SIZE`` times (one-dimensional points)."""
    info = DataInfo(shape=(1,), kind="points", value_range=(-1.0, 1.0))
    return LoadedData(InMemoryDataset(torch.zeros(DIRAC_SIZE, 1)), info)


DIRAC_GAN = Variant(
    name="dirac-gan",
    config_cls=DiracConfig,
    build=build,
    description="Mescheder et al. 2018's Dirac-GAN: one point, one-parameter players, simultaneous steps",
    data_kinds=frozenset({"points"}),
    # 600 steps of batch 64 at the default step size: about ten turns around the equilibrium
    train_defaults={"dataset": "dirac", "steps": 600, "batch_size": 64, "sample_every": 0, "checkpoint_every": 0},
)

DIRAC = DatasetSpec("dirac", load_dirac, "one point, x = 0 (1-D): the Dirac-GAN's data (Mescheder et al. 2018)")
