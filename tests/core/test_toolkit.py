"""The stabilisation toolkit, each piece on a case computed by hand, and each option through the trainer:
the losses (hinge, least squares, RpGAN), R1 and R2, the weights' moving average and its batch-norm
statistics, spectral normalisation, DiffAugment, and the one-line errors where an option cannot apply."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import torch
from core_helpers import image_data, tiny_config, with_step
from safetensors.torch import load_file
from torch import Tensor, nn

from gan_core import (
    R1,
    R2,
    ConfigError,
    DataInfo,
    GanTrainer,
    HingeLoss,
    LeastSquaresLoss,
    Noise,
    RpGANLoss,
    RunDir,
    create_registry,
    load_discriminator,
    load_run,
)
from gan_core._ema import GeneratorAverage, ema_decay
from gan_core._toolkit import spectrally_normalise
from gan_core._training.trainer import cosine_factor
from gan_core.augment import (
    DiffAugment,
    adjust_brightness,
    adjust_contrast,
    adjust_saturation,
    cut_out,
    translate,
)
from gan_core.testing import check_checkpoint_resume

# --- losses ---------------------------------------------------------------------------------------


def test_hinge_values_by_hand() -> None:
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.0])
    # D: mean(max(0, 1 - [2, .5, -1])) + mean(max(0, 1 + [-2, 0, 1])) = (0 + .5 + 2)/3 + (0 + 1 + 2)/3
    assert HingeLoss().discriminator_loss(real, fake).item() == pytest.approx(2.5 / 3 + 3 / 3)
    assert HingeLoss().generator_loss(None, fake).item() == pytest.approx(-(-2.0 + 0.0 + 1.0) / 3)


def test_least_squares_values_by_hand() -> None:
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    # D: 1/2 mean((r - 1)^2) + 1/2 mean(f^2) = 1/2 * 1/2 + 1/2 * 2 ; G: 1/2 mean((f - 1)^2) = 1/2 * 1
    assert LeastSquaresLoss().discriminator_loss(real, fake).item() == pytest.approx(0.25 + 1.0)
    assert LeastSquaresLoss().generator_loss(None, fake).item() == pytest.approx(0.5)


def test_rpgan_values_by_hand_pair_each_real_with_its_fake() -> None:
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    softplus = lambda t: math.log1p(math.exp(t))  # noqa: E731
    # D: mean softplus(-(r - f)) over the pairs (1, 0) and (0, 2); G: mean softplus(-(f - r))
    assert RpGANLoss().discriminator_loss(real, fake).item() == pytest.approx((softplus(-1) + softplus(2)) / 2)
    assert RpGANLoss().generator_loss(real, fake).item() == pytest.approx((softplus(1) + softplus(-2)) / 2)
    assert RpGANLoss.relativistic is True
    with pytest.raises(ValueError, match="pairs each real with a fake"):
        RpGANLoss().discriminator_loss(real, torch.zeros(3))


@pytest.mark.parametrize("name", ["hinge", "least-squares", "rpgan"])
def test_the_core_registers_the_losses_for_every_variant(name: str) -> None:
    registry = create_registry(entry_points=False)
    assert registry.loss(name).name == name and registry.losses.qualify(name) == f"core:{name}"


# --- R1 and R2 ------------------------------------------------------------------------------------


class _Linear(nn.Module):
    """``D(x) = w . x + b``: its gradient in ``x`` is ``w`` for every sample."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor([3.0, -4.0]))
        self.b = nn.Parameter(torch.tensor(0.5))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return x @ self.w + self.b


def test_r1_and_r2_on_a_linear_discriminator_are_gamma_over_two_times_the_squared_weight_norm() -> None:
    d = _Linear()
    real, fake = torch.randn(5, 2), torch.randn(5, 2)
    # ||grad D|| = ||w|| = 5 for every sample: gamma / 2 * 25
    assert R1(gamma=0.2).penalty(d, real, fake, None).item() == pytest.approx(0.1 * 25)
    assert R2(gamma=2.0).penalty(d, real, fake, None).item() == pytest.approx(25.0)
    penalty = R1(gamma=0.2).penalty(d, real, fake, None)
    penalty.backward()
    assert torch.allclose(d.w.grad, 0.2 * d.w.detach())  # d/dw (0.1 ||w||^2): the penalty trains D  # type: ignore[arg-type]


# --- the moving average -----------------------------------------------------------------------------


def test_the_average_after_two_steps_by_hand() -> None:
    live = nn.Linear(1, 1, bias=False)
    nn.init.constant_(live.weight, 1.0)
    average = GeneratorAverage(live, decay=0.9)
    with torch.no_grad():
        live.weight.fill_(2.0)
    average.update(live)  # decay min(0.9, 2/11): 2/11 * 1 + 9/11 * 2
    first = 2 / 11 * 1.0 + 9 / 11 * 2.0
    assert average.model.weight.item() == pytest.approx(first)
    with torch.no_grad():
        live.weight.fill_(4.0)
    average.update(live)  # decay min(0.9, 3/12)
    assert average.model.weight.item() == pytest.approx(0.25 * first + 0.75 * 4.0)
    assert average.updates == 2 and not average.model.weight.requires_grad


def test_a_half_life_in_images_is_a_decay_per_step() -> None:
    assert ema_decay(0.99, 64) == 0.99
    assert ema_decay(10_000, 64) == pytest.approx(0.5 ** (64 / 10_000))
    assert ema_decay(640, 64) ** 10 == pytest.approx(0.5)  # ten steps of 64 images halve the old weight


class _BatchNormGenerator(nn.Module):
    """``z -> linear -> batch norm``: the average's batch norm must describe the average's activations."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 3)
        self.norm = nn.BatchNorm1d(3)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.norm(self.linear(z))


def test_the_averages_batch_norm_statistics_are_recomputed_from_its_own_weights() -> None:
    torch.manual_seed(0)
    live = _BatchNormGenerator()
    average = GeneratorAverage(live, decay=0.5)
    live.train()
    live(torch.randn(64, 2) * 5 + 3)  # the live statistics: of another distribution altogether
    with torch.no_grad():
        live.linear.weight.mul_(3.0)
    average.update(live)
    assert torch.equal(average.model.norm.running_mean, torch.zeros(3))  # statistics are not copied
    noise = Noise(2)
    average.refresh_batch_norm(noise, None, batch_size=64)
    inputs = torch.cat([noise.fixed(64, 7_2018 + i).x for i in range(8)])  # the refresh's 512 samples
    activations = average.model.linear(inputs).detach()
    assert torch.allclose(average.model.norm.running_mean, activations.mean(0), atol=1e-5)
    per_batch = torch.stack([activations[i * 64 : (i + 1) * 64].var(0, unbiased=True) for i in range(8)])
    assert torch.allclose(average.model.norm.running_var, per_batch.mean(0), atol=1e-4)
    assert average.model.norm.momentum == 0.1  # the module is left as it was found


def test_the_average_keeps_the_statistics_of_a_batch_norm_that_stays_in_eval_mode() -> None:
    """DTN's f keeps the statistics it was trained with while g trains: so does the average's copy."""

    class Frozen(_BatchNormGenerator):
        def train(self, mode: bool = True) -> Frozen:
            super().train(mode)
            self.norm.eval()
            return self

    live = Frozen()
    with torch.no_grad():
        live.norm.running_mean.fill_(0.25)
    average = GeneratorAverage(live, decay=0.5)
    average.update(live)
    average.refresh_batch_norm(Noise(2), None, batch_size=32)
    assert torch.equal(average.model.norm.running_mean, torch.full((3,), 0.25))


# --- spectral norm --------------------------------------------------------------------------------


def test_spectral_norm_divides_every_weight_layer_by_its_largest_singular_value() -> None:
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(d.parameters(), lr=0.1)
    names = spectrally_normalise(d)
    assert names == ["0", "2"]
    for _ in range(50):  # the power iteration converges while the module runs in training mode
        d(torch.randn(2, 4))
    d.eval()
    for layer in (d[0], d[2]):
        assert torch.linalg.matrix_norm(layer.weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert {id(p) for p in d.parameters()} == held  # the optimiser still updates the weights
    assert spectrally_normalise(d) == []  # twice changes nothing


# --- DiffAugment ----------------------------------------------------------------------------------


def test_augmentations_on_a_known_image() -> None:
    image = torch.arange(9.0).view(1, 1, 3, 3)
    assert translate(image, torch.tensor([1]), torch.tensor([0]))[0, 0].tolist() == [
        [0.0, 0.0, 1.0],
        [0.0, 3.0, 4.0],
        [0.0, 6.0, 7.0],
    ]
    assert translate(image, torch.tensor([0]), torch.tensor([-1]))[0, 0].tolist() == [
        [3.0, 4.0, 5.0],
        [6.0, 7.0, 8.0],
        [0.0, 0.0, 0.0],
    ]
    holed = cut_out(torch.ones(1, 1, 4, 4), torch.tensor([1]), torch.tensor([2]), size=2)
    assert holed[0, 0].tolist() == [[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]]
    rgb = torch.tensor([0.0, 0.3, 0.6]).view(1, 3, 1, 1)
    assert adjust_brightness(rgb, torch.tensor([0.1])).flatten().tolist() == pytest.approx([0.1, 0.4, 0.7])
    assert adjust_saturation(rgb, torch.tensor([0.0])).flatten().tolist() == pytest.approx([0.3, 0.3, 0.3])
    two = torch.tensor([0.0, 1.0]).view(1, 1, 1, 2)
    assert adjust_contrast(two, torch.tensor([2.0])).flatten().tolist() == pytest.approx([-0.5, 1.5])


def test_diffaugment_draws_per_image_from_the_global_rng_and_is_differentiable() -> None:
    x = torch.rand(4, 3, 8, 8, requires_grad=True)
    augment = DiffAugment(["color", "translation", "cutout"])
    torch.manual_seed(3)
    a = augment(x)
    torch.manual_seed(3)
    assert torch.equal(a, augment(x))  # a seeded (and so a resumed) run augments alike
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert not torch.equal(a[0], a[1] + (x[0] - x[1]))  # each image gets its own draw
    with pytest.raises(ValueError, match="unknown DiffAugment transformation 'blur'"):
        DiffAugment(["blur"])


# --- the options through the trainer --------------------------------------------------------------


def _fit(out: Path, variant: Any = core_tiny.TINY, data: Any = None, resume: bool = False, **train: Any) -> Any:
    registry = create_registry(plugins=[core_tiny], entry_points=False)
    return GanTrainer(variant, tiny_config(**train), out, registry=registry, data=data).fit(resume=resume)


def test_every_option_together_trains_and_resumes_bit_for_bit(tmp_path: Path) -> None:
    options = {
        "train.ema": 0.9,
        "train.r1": 1.0,
        "train.r2": 0.5,
        "train.reg_every": 2,
        "train.penalty_final": 0.1,
        "train.spectral_norm": True,
        "train.diffaugment": "color,translation,cutout",
        "train.d_steps": 2,
    }
    check_checkpoint_resume(core_tiny.TINY, tmp_path, data_shape=(1, 8, 8), config_overrides=options)


def test_sampling_uses_the_average_and_the_live_generator_stays_available(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _fit(run, data=image_data(), steps=3, ema=0.9, batch_size=8)
    checkpoint = RunDir(run).latest_checkpoint()
    assert checkpoint is not None
    stored = load_file(str(RunDir.weights_file(checkpoint, "generator_ema")))
    registry = create_registry(plugins=[core_tiny], entry_points=False)
    averaged, live = load_run(run, registry), load_run(run, registry, average=False)
    assert averaged.averaged and not live.averaged
    assert all(torch.equal(averaged.generator.state_dict()[k], v) for k, v in stored.items())
    assert not torch.equal(averaged.generator.net[0].weight, live.generator.net[0].weight)
    assert RunDir.generator_file(checkpoint) == checkpoint / "generator_ema.safetensors"
    assert RunDir.generator_file(checkpoint, average=False) == checkpoint / "generator.safetensors"


def test_a_checkpoint_without_an_average_answers_with_the_live_generator(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _fit(run, data=image_data(), steps=2, batch_size=8)
    checkpoint = RunDir(run).latest_checkpoint()
    assert checkpoint is not None
    assert RunDir.generator_file(checkpoint) == checkpoint / "generator.safetensors"
    assert not load_run(run, create_registry(plugins=[core_tiny], entry_points=False)).averaged


def test_spectral_norm_loads_back_with_the_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _fit(run, steps=2, spectral_norm=True)
    d = load_discriminator(run, create_registry(plugins=[core_tiny], entry_points=False)).discriminator
    assert d is not None and hasattr(d.net[1], "parametrizations")


def test_diffaugment_on_points_is_a_one_line_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^train\.diffaugment: augments images; this data set is points"):
        _fit(tmp_path / "run", steps=1, diffaugment="cutout")
    assert not (tmp_path / "run").exists()


def test_a_policy_with_an_unknown_transformation_names_the_allowed_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"^train\.diffaugment: must name transformations from 'color', 'translation'"
    ):
        tiny_config(diffaugment="color,blur")


def test_spectral_norm_on_a_discriminator_without_weight_layers_is_a_one_line_error(tmp_path: Path) -> None:
    class Bare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(()))

        def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
            return self.scale * x.flatten(1).sum(1)

    def build(config: Any, data: DataInfo) -> Any:
        game = core_tiny.build(config, data)
        bare = Bare()
        return attrs.evolve(game, discriminator=bare, d_optimizer=torch.optim.SGD(bare.parameters(), lr=0.1))

    variant = attrs.evolve(core_tiny.TINY, build=build)
    with pytest.raises(ConfigError, match=r"^train\.spectral_norm: tiny's discriminator has no standard weight layer"):
        _fit(tmp_path / "run", variant=variant, steps=1, spectral_norm=True)


def test_a_step_that_updates_its_discriminator_itself_refuses_r1_in_one_line(tmp_path: Path) -> None:
    def own_update(ctx: Any) -> dict[str, Tensor]:
        real, _ = ctx.next_batch()
        fake = ctx.fake_batch(len(real), None, keep_graph=True)
        d_loss = ctx.loss.discriminator_loss(ctx.discriminator(real), ctx.discriminator(fake.detach()))
        ctx.d_optimizer.zero_grad()
        ctx.backward(d_loss)
        ctx.d_optimizer.step()
        return {"d_loss": d_loss.detach(), "g_loss": ctx.update_generator(fake, None)}

    variant = with_step(core_tiny.TINY, own_update)
    with pytest.raises(ConfigError, match=r"^train\.r1: tiny's step did not update its discriminator through"):
        _fit(tmp_path / "run", variant=variant, steps=2, r1=1.0)


def test_the_regularisers_log_their_sum_and_apply_lazily(tmp_path: Path) -> None:
    result = _fit(tmp_path / "run", steps=4, r1=1.0, reg_every=2, log_every=1)
    rows = RunDir(tmp_path / "run").read_log()
    assert [("penalty" in row) for row in rows] == [True, False, True, False]  # updates 0 and 2 of 0-3
    assert result.steps == 4


def test_the_cosine_schedule_of_gamma_by_hand() -> None:
    """R3GAN's schedule: 1 at the first step, ``final`` at the last, their mean half way."""
    assert cosine_factor(0.0, 0.1) == 1.0
    assert cosine_factor(1.0, 0.1) == pytest.approx(0.1, abs=1e-15)
    assert cosine_factor(0.5, 0.1) == pytest.approx(0.55)
    assert cosine_factor(0.25, 0.1) == pytest.approx(0.1 + 0.45 * (1 + math.sqrt(0.5)))
    assert cosine_factor(0.7, 1.0) == 1.0


def test_penalty_final_lowers_r1_and_r2_step_by_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, float]] = []
    for cls in (R1, R2):
        original = cls.penalty

        def recording(self: Any, *args: Any, _original: Any = original) -> Tensor:
            seen.append((self.name, self.gamma))
            return _original(self, *args)

        monkeypatch.setattr(cls, "penalty", recording)
    _fit(tmp_path / "run", steps=4, r1=2.0, r2=0.5, penalty_final=0.1)
    factors = [1.0, 0.1 + 0.45 * (1 + math.sqrt(0.5)), 0.55, 0.1 + 0.45 * (1 - math.sqrt(0.5))]
    expected = [(name, gamma * f) for f in factors for name, gamma in (("r1", 2.0), ("r2", 0.5))]
    assert [name for name, _ in seen] == [name for name, _ in expected]
    assert [gamma for _, gamma in seen] == pytest.approx([gamma for _, gamma in expected])


def test_penalty_final_keeps_lazy_penalties_lazy_and_one_factor_per_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two discriminator updates a step, R1 on every second update: due once a step (updates 0, 2,
    4, 6), still ``every = 2``, at the factor of the generator step it belongs to."""
    seen: list[tuple[float, int]] = []
    original = R1.penalty

    def recording(self: Any, *args: Any) -> Tensor:
        seen.append((self.gamma, self.every))
        return original(self, *args)

    monkeypatch.setattr(R1, "penalty", recording)
    _fit(tmp_path / "run", steps=4, r1=1.0, reg_every=2, d_steps=2, penalty_final=0.0)
    factors = [1.0, 0.5 * (1 + math.sqrt(0.5)), 0.5, 0.5 * (1 - math.sqrt(0.5))]
    assert [every for _, every in seen] == [2, 2, 2, 2]
    assert [gamma for gamma, _ in seen] == pytest.approx(factors)


def test_penalty_final_without_a_penalty_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"^train\.penalty_final: schedules train.r1 and train.r2, which are both 0"):
        tiny_config(penalty_final=0.1)
    with pytest.raises(ConfigError, match=r"^train\.penalty_final: must be in \[0.0, 1.0\], got 1.5"):
        tiny_config(r1=1.0, penalty_final=1.5)
