"""Two-dimensional Gaussian mixtures from the mode-collapse literature, and how they are scored.

As PacGAN (Lin et al. 2018) defines them: ``ring8`` puts 8 modes on a circle of radius 1 with standard
deviation 0.01; ``grid25`` puts 25 modes on ``{-4, -2, 0, 2, 4}^2`` with standard deviation 0.05. A
sample is *high quality* when it lies within three standard deviations of its nearest mode, and a mode
is *captured* when at least one high-quality sample is nearest to it (reported on 2,500 samples).
"""

from __future__ import annotations

import math

import attrs
import torch
from torch import Tensor

from gan_core._records import DataInfo, DataOptions, LoadedData
from gan_core.data.memory import InMemoryDataset

#: points in each toy training set; fixed so that "the data set" does not depend on the run's seed
TOY_DATASET_SIZE = 100_000
TOY_DATASET_SEED = 2018  # PacGAN's year: any fixed value will do
EVAL_SAMPLES = 2500  # PacGAN reports mode coverage on 2,500 samples


@attrs.frozen
class ModeCoverage:
    """How many modes a set of samples captures and what fraction of samples are high quality."""

    modes_captured: int
    num_modes: int
    high_quality_fraction: float


@attrs.frozen
class GaussianMixture2D:
    """An equal-weight mixture of isotropic Gaussians in the plane."""

    name: str
    means: Tensor  # (modes, 2)
    std: float

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        modes = torch.randint(len(self.means), (n,), generator=generator)
        noise = torch.randn(n, 2, generator=generator) * self.std
        return self.means[modes] + noise

    def coverage(self, samples: Tensor) -> ModeCoverage:
        """Score samples as PacGAN does (see the module docstring)."""
        samples = samples.detach().to(torch.float64).cpu()
        distances = torch.cdist(samples, self.means.to(torch.float64))
        nearest_distance, nearest_mode = distances.min(dim=1)
        high_quality = nearest_distance <= 3 * self.std
        captured = torch.unique(nearest_mode[high_quality])
        fraction = high_quality.double().mean().item() if len(samples) else 0.0
        return ModeCoverage(int(captured.numel()), len(self.means), fraction)

    def nearest_mode(self, samples: Tensor) -> Tensor:
        """The index of each sample's nearest mode (whatever its distance: the histogram of these is
        what a collapsing generator narrows)."""
        means = self.means.to(device=samples.device, dtype=torch.float32)
        return torch.cdist(samples.detach().float().reshape(len(samples), -1), means).argmin(dim=1)


def ring8() -> GaussianMixture2D:
    angles = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
    means = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture2D("ring8", means, 0.01)


def grid25() -> GaussianMixture2D:
    ticks = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    means = torch.cartesian_prod(ticks, ticks)
    return GaussianMixture2D("grid25", means, 0.05)


TOY_MIXTURES = {"ring8": ring8, "grid25": grid25}


def load_toy(name: str, _: DataOptions) -> LoadedData:
    """A fixed sample of the mixture; labels are the mode each point came from."""
    mixture = TOY_MIXTURES[name]()
    generator = torch.Generator().manual_seed(TOY_DATASET_SEED)
    modes = torch.randint(len(mixture.means), (TOY_DATASET_SIZE,), generator=generator)
    points = mixture.means[modes] + torch.randn(TOY_DATASET_SIZE, 2, generator=generator) * mixture.std
    radius = float(mixture.means.abs().max()) + 6 * mixture.std  # past 6 std: ~1e-9 of the points
    info = DataInfo(shape=(2,), kind="points", num_classes=len(mixture.means), value_range=(-radius, radius))
    return LoadedData(InMemoryDataset(points, modes), info, modes=mixture.nearest_mode)
